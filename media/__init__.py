"""Pure analysis of one file: facts out, no Neo4j; imports nothing from graph/ or loaders/."""
