"""Visual clues: scene and object matching (features, index, match) and text reading.

Everything here is derived from pixels and must be protected like them: it never goes
into Neo4j, bundles or exports.
"""
