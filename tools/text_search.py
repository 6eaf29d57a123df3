"""Product search, forgiving and precise: a shopper's words become a query for the
database's own index.

Words are matched whole, whatever their case, order or number: the index holds each word
as written (no stemming, so "peppers" never finds "Peppered"), and each word of the query
is looked for in its singular and plural forms ("banana" and "bananas"). Common synonyms
widen a word to its alternatives ("pop" also finds "soda"). Matches rank by where the words
are: what the product is first ("bananas", not the banana in banana baby food), then its
name without its brand, its tags, its brand, its category.
When no product has all the words, callers search again with loosened() terms: products
with some of them, ranked, and said to match only some.
The index itself is made by migration 0004: FTS5 on SQLite, tsvector + GIN on PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, Float, Integer, Select, String, Subquery, bindparam, select, text

STOP_WORDS = frozenset(
    {"a", "an", "and", "any", "are", "at", "deal", "deals", "for", "from", "in", "is", "of"}
    | {"on", "or", "sale", "sales", "some", "the", "to", "with"}
)

SYNONYMS = (
    ("oj", "orange juice"),
    ("sparkling water", "seltzer", "carbonated water", "fizzy water"),
    ("coke", "coca cola"),
    ("diapers", "nappies"),
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
# stand in unrelated product names ("chips" must not find Cosmic Crisp apples first, "soda"
# Pop-Tarts, nor "candy" Sweet Potato).
ALIASES = (
    ("soda", "pop", "soft drink"),
    ("chips", "crisps"),
    ("candy", "sweets"),
)

# Letters and digits of any script: a letter with no accent to fold ("ø", "ß", "ł") is part
# of its word, as SQLite's unicode61 tokenizer and PostgreSQL's index (migration 0009) read it.
WORD = re.compile(r"[^\W_]+")

Phrase = tuple[str, ...]


def words(value: str) -> list[str]:
    """Lower-case words without accents or apostrophes ("Jerry's" -> "jerrys", "jalapeño"
    -> "jalapeno", "Smørrebrød" -> "smørrebrød"), stop words left out. Both indexes fold
    accents and split words the same way."""
    folded = unicodedata.normalize("NFKD", value.lower().replace("'", "").replace("’", ""))
    if not folded.isascii():
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    found = WORD.findall(folded)
    return [word for word in found if word not in STOP_WORDS]


def singular(word: str) -> str:
    """A rough singular, to look synonyms up and to find a word's forms ("nappies" ->
    "nappy", "tomatoes" -> "tomato"); words that only end in s stay ("hummus", "swiss")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "oes")) and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def forms(word: str) -> tuple[str, ...]:
    """The word as written and its singular and plural forms, each a whole word to look for:
    "bananas" -> bananas, banana; "berry" -> berry, berries; numbers stay as they are."""
    if word.isdigit():
        return (word,)
    found = [word, singular(word)]
    if word.endswith("ies"):
        found.append(word[:-1])  # "cookies" is "cookie" (or "cooky")
    found.append(_plural(found[1]))
    if found[1].endswith("o"):
        found.append(found[1] + "es")  # "tomato" -> "tomatoes"
    return tuple(dict.fromkeys(found))


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


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
    return _expression(terms, and_=" AND ", or_=" OR ", word='"{}"')


def tsquery_expression(terms: SearchTerms) -> str:
    """The PostgreSQL to_tsquery('simple', ...) text; words are letters and digits only."""
    return _expression(terms, and_=" & ", or_=" | ", word="{}")


def any_word_tsquery(terms: SearchTerms, weight: str) -> str:
    """A to_tsquery('simple', ...) text matching any form of any word of `terms` found in
    the field of the given weight (A to D)."""
    every = dict.fromkeys(f for group in terms.groups for p in group for w in p for f in forms(w))
    return " | ".join(f"{word}:{weight}" for word in every)


def _expression(terms: SearchTerms, *, and_: str, or_: str, word: str) -> str:
    """All groups (AND) of any phrase (OR) of all words (AND) in any of their forms (OR)."""

    def one_of(items: list[str], operator: str) -> str:
        return items[0] if len(items) == 1 else "(" + operator.join(items) + ")"

    def phrase_expression(phrase: Phrase) -> str:
        return one_of([one_of([word.format(f) for f in forms(w)], or_) for w in phrase], and_)

    groups = [one_of([phrase_expression(p) for p in group], or_) for group in terms.groups]
    return and_.join(group if group.startswith("(") else f"({group})" for group in groups)


# Matches rank first by the first field holding any of the query's words, in the index's
# order of fields (migration 0004): what the product is, its name without the brand, its
# tags, then brand and category; then, within a field, by the database's own relevance.
TIER = 100_000.0  # above any relevance score, so that tiers never mix

# bm25() with one field weighted and the others zero is below zero exactly when that field
# holds a word of the query: the tier, read from the same index row.
SQLITE_MATCHES = """
    SELECT rowid AS product_id,
        (CASE WHEN bm25(product_search, 1.0, 0.0, 0.0, 0.0, 0.0) < 0 THEN 0
              WHEN bm25(product_search, 0.0, 1.0, 0.0, 0.0, 0.0) < 0 THEN 1
              WHEN bm25(product_search, 0.0, 0.0, 1.0, 0.0, 0.0) < 0 THEN 2
              ELSE 3 END) * :tier
        + bm25(product_search, 10.0, 5.0, 2.0, 1.0, 1.0) AS rank
    FROM product_search WHERE product_search MATCH :match
"""

# The same tiers from the weight each field has in the tsvector: A type, B name, C tags,
# D brand and category; a query word written "word:A" matches in that field alone.
POSTGRES_MATCHES = """
    SELECT product_id,
        (CASE WHEN document @@ to_tsquery('simple', :in_type) THEN 0
              WHEN document @@ to_tsquery('simple', :in_name) THEN 1
              WHEN document @@ to_tsquery('simple', :in_tags) THEN 2
              ELSE 3 END) * :tier
        - ts_rank(document, query, 1) AS rank
    FROM product_search, to_tsquery('simple', :match) AS query
    WHERE document @@ query
"""

# A subquery with ORDER BY is planned on its own and hands its order on: a query that
# orders by rank first and has a LIMIT can then read the deals of the best matches only
# (an Incremental Sort per rank) instead of the deals of every match. SQLite 3.40 drops
# the clause when it flattens the subquery, so it is written for PostgreSQL alone.
POSTGRES_BEST_FIRST = "ORDER BY rank"


# The words to look for, the one parameter matches() always takes: a statement built once
# around matches() is run with the values match_parameters() gives for each query.
MATCH = bindparam("match", type_=String)


@cache
def matches(dialect: str, *, best_first: bool = False) -> Subquery:
    """Products matching the terms given by match_parameters() as (product_id, rank), lower
    rank = better match; `best_first` when the caller orders by rank and stops early (costs
    a sort otherwise). One subquery per dialect and order, built once."""
    if dialect == "postgresql":
        statement = text(POSTGRES_MATCHES + (POSTGRES_BEST_FIRST if best_first else ""))
    else:
        statement = text(SQLITE_MATCHES)
    statement = statement.bindparams(MATCH, tier=TIER)
    return statement.columns(product_id=Integer, rank=Float).subquery("matches")


def match_parameters(dialect: str, terms: SearchTerms) -> dict[str, str]:
    """The values matches() is run with to find `terms`."""
    if dialect == "postgresql":
        return {
            MATCH.key: tsquery_expression(terms),
            "in_type": any_word_tsquery(terms, "A"),
            "in_name": any_word_tsquery(terms, "B"),
            "in_tags": any_word_tsquery(terms, "C"),
        }
    return {MATCH.key: fts5_expression(terms)}


def loosened(connection: Connection, terms: SearchTerms) -> SearchTerms | None:
    """The any-word form of `terms` when no product has all of them (None otherwise, or
    when loosening would change nothing). Asked only after a search came back empty."""
    if len(terms.groups) < 2:
        return None
    dialect = connection.dialect.name
    found = connection.execute(_any_match(dialect), match_parameters(dialect, terms))
    if found.first() is not None:
        return None
    return terms.any_group()


@cache
def _any_match(dialect: str) -> Select:
    found = matches(dialect)
    return select(found.c.product_id).limit(1)
