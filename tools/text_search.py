"""Forgiving product search: a shopper's words become a query for the database's own index.

Words are matched whatever their case, order or number (the index stems "sodas" to
"soda"); common synonyms widen a word to its alternatives ("pop" also finds "soda"). When
no product has all the words, callers search again with loosened() terms: products with
some of them, ranked.
The index itself is made by migration 0001: FTS5 on SQLite, tsvector + GIN on PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Connection, Float, Integer, Subquery, select, text

STOP_WORDS = frozenset(
    {"a", "an", "and", "any", "are", "at", "deal", "deals", "for", "from", "in", "is", "of"}
    | {"on", "or", "sale", "sales", "some", "the", "to", "with"}
)

SYNONYMS = (
    ("oj", "orange juice"),
    ("sparkling water", "seltzer", "carbonated water", "fizzy water"),
    ("coke", "coca cola"),
    ("diapers", "nappies"),
    ("candy", "sweets"),
    ("ground beef", "minced beef", "hamburger meat"),
    ("cilantro", "coriander"),
    ("zucchini", "courgette"),
    ("eggplant", "aubergine"),
    ("scallions", "green onions", "spring onions"),
    ("toilet paper", "tp", "bathroom tissue"),
    ("paper towels", "kitchen roll"),
    ("yogurt", "yoghurt"),
    ("hot dogs", "frankfurters", "wieners"),
    ("mac cheese", "macaroni cheese"),
    ("pack", "pk"),
    ("count", "ct"),
    ("liter", "litre", "l"),
    ("ounce", "oz"),
    ("pound", "lb"),
    ("gallon", "gal"),
)

# One way only: the alias also finds the first word, not the reverse, because the aliases
# stand in unrelated product names ("chips" must not find Cosmic Crisp apples first, nor
# "soda" Pop-Tarts).
ALIASES = (
    ("soda", "pop", "soft drink"),
    ("chips", "crisps"),
)

WORD = re.compile(r"[a-z0-9]+")

Phrase = tuple[str, ...]


def words(value: str) -> list[str]:
    """Lower-case words without accents or apostrophes ("Jerry's" -> "jerrys", "jalapeño"
    -> "jalapeno"), stop words left out. Both indexes fold accents the same way."""
    folded = unicodedata.normalize("NFKD", value.lower().replace("'", "").replace("’", ""))
    if not folded.isascii():
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    found = WORD.findall(folded)
    return [word for word in found if word not in STOP_WORDS]


def singular(word: str) -> str:
    """A rough singular, only to look synonyms up ("nappies" -> "nappy")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _key(phrase: Phrase) -> Phrase:
    return tuple(singular(word) for word in phrase)


def _synonym_table() -> dict[Phrase, tuple[Phrase, ...]]:
    table = {}
    for group in SYNONYMS:
        phrases = tuple(tuple(words(term)) for term in group)
        for phrase in phrases:
            table[_key(phrase)] = phrases
    for group in ALIASES:
        phrases = tuple(tuple(words(term)) for term in group)
        for alias in phrases[1:]:
            table[_key(alias)] = phrases
    return table


SYNONYM_TABLE = _synonym_table()
LONGEST_SYNONYM = max(len(key) for key in SYNONYM_TABLE)


@dataclass(frozen=True)
class SearchTerms:
    """All groups must match (AND); a group matches when any of its phrases does (OR);
    a phrase matches when all its words are in the product, in any order."""

    groups: tuple[tuple[Phrase, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.groups)

    def any_group(self) -> SearchTerms:
        """The loose form: one group of every alternative, for when nothing has all words."""
        return SearchTerms((tuple(phrase for group in self.groups for phrase in group),))


def parse(query: str) -> SearchTerms:
    """Split a query into groups, widening each word or phrase found in SYNONYMS.
    Linear in the query's length: each word is looked at a bounded number of times."""
    found = words(query)
    groups = []
    at = 0
    while at < len(found):
        size, alternatives = _longest_synonym(found, at)
        groups.append(alternatives)
        at += size
    return SearchTerms(tuple(dict.fromkeys(groups)))


def _longest_synonym(found: list[str], at: int) -> tuple[int, tuple[Phrase, ...]]:
    """The longest synonym starting at word `at` (at most LONGEST_SYNONYM words long)."""
    for size in range(min(LONGEST_SYNONYM, len(found) - at), 0, -1):
        alternatives = SYNONYM_TABLE.get(_key(tuple(found[at : at + size])))
        if alternatives:
            return size, alternatives
    return 1, ((found[at],),)


def fts5_expression(terms: SearchTerms) -> str:
    """The SQLite FTS5 MATCH expression; every word is quoted, so no word is an operator."""
    return " AND ".join(
        "(" + " OR ".join(_joined(phrase, " AND ", '"{}"') for phrase in group) + ")"
        for group in terms.groups
    )


def tsquery_expression(terms: SearchTerms) -> str:
    """The PostgreSQL to_tsquery('english', ...) text; words are [a-z0-9]+ only."""
    return " & ".join(
        "(" + " | ".join(_joined(phrase, " & ", "{}") for phrase in group) + ")"
        for group in terms.groups
    )


def _joined(phrase: Phrase, operator: str, template: str) -> str:
    inner = operator.join(template.format(word) for word in phrase)
    return f"({inner})" if len(phrase) > 1 else inner


SQLITE_MATCHES = """
    SELECT rowid AS product_id, bm25(product_search, 10.0, 5.0, 2.0, 5.0) AS rank
    FROM product_search WHERE product_search MATCH :match
"""

POSTGRES_MATCHES = """
    SELECT product_id, -ts_rank(document, query, 1) AS rank
    FROM product_search, to_tsquery('english', :match) AS query
    WHERE document @@ query
"""

# A subquery with ORDER BY is planned on its own and hands its order on: a query that
# orders by rank first and has a LIMIT can then read the deals of the best matches only
# (an Incremental Sort per rank) instead of the deals of every match. SQLite 3.40 drops
# the clause when it flattens the subquery, so it is written for PostgreSQL alone.
POSTGRES_BEST_FIRST = "ORDER BY rank"


def matches(connection: Connection, terms: SearchTerms, *, best_first: bool = False) -> Subquery:
    """Products matching all of `terms` as (product_id, rank), lower rank = better match;
    `best_first` when the caller orders by rank and stops early (costs a sort otherwise)."""
    if connection.dialect.name == "postgresql":
        sql = POSTGRES_MATCHES + (POSTGRES_BEST_FIRST if best_first else "")
        statement = text(sql).bindparams(match=tsquery_expression(terms))
    else:
        statement = text(SQLITE_MATCHES).bindparams(match=fts5_expression(terms))
    return statement.columns(product_id=Integer, rank=Float).subquery("matches")


def loosened(connection: Connection, terms: SearchTerms) -> SearchTerms | None:
    """The any-word form of `terms` when no product has all of them (None otherwise, or
    when loosening would change nothing). Asked only after a search came back empty."""
    if len(terms.groups) < 2:
        return None
    found = matches(connection, terms)
    if connection.execute(select(found.c.product_id).limit(1)).first() is not None:
        return None
    return terms.any_group()
