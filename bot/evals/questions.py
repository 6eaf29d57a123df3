"""The question set: a versioned YAML file of shopper questions, each with the reference that
finds the facts a right answer states and the check that says which of them it must state.

    - id: orange-soda-weekend
      question: Any deals on orange soda this weekend?
      tags: [QUESTIONS.md, date arithmetic]
      reference: deals           # a function in references.py
      when: this weekend         # for the dated references: a phrase the date_range tool reads
      args: {query: orange soda} # or a list of such mappings: readings of an ambiguous question
      check: [products]          # labels of the reference's facts the answer must state
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.evals.checks import Facts
from bot.evals.references import REFERENCES, Reference
from bot.evals.selection import Tools
from tools.dates import KNOWN, date_range

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "deals.yaml"
KEYS = {"id", "question", "tags", "reference", "when", "args", "check"}


class EvalFileError(Exception):
    """A question set or price table that cannot be used; the message names file and place."""


@dataclass(frozen=True)
class EvalQuestion:
    """One question of an eval set: its text, the reference that computes the right facts, and
    what of them the answer must show."""

    id: str
    text: str
    reference: str
    check: tuple[str, ...]
    when: str | None = None
    args: tuple[Mapping[str, Any], ...] = field(default_factory=lambda: ({},))
    tags: tuple[str, ...] = ()

    def expected(self, tools: Tools) -> tuple[Facts, ...]:
        """The facts of every reading of the arguments, computed now through `tools`, over
        the days the tools' date_range reads `when` as (the one reading the model has)."""
        reference = REFERENCES[self.reference]
        window = tools["date_range"](self.when) if self.when else None
        return tuple(reference.run(tools, window, args) for args in self.args)


def load_questions(path: Path) -> tuple[EvalQuestion, ...]:
    """Every question of the file, checked: known references, windows, arguments and labels."""
    data = read_yaml(path)
    entries = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise EvalFileError(f"{path}: expected a non-empty 'questions:' list")
    questions = tuple(_question(path, number, entry) for number, entry in enumerate(entries, 1))
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise EvalFileError(f"{path}: question id {question.id!r} is used twice")
        seen.add(question.id)
    return questions


def read_yaml(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or "cannot be parsed"
        raise EvalFileError(f"{path}: not valid YAML{where}: {reason}") from None


def _question(path: Path, number: int, entry: Any) -> EvalQuestion:
    name = entry.get("id") if isinstance(entry, dict) else None
    problem = _entry_problem(entry)
    if problem:
        raise EvalFileError(f"{path}: question {name or f'#{number}'}: {problem}")
    args = entry.get("args") or {}
    return EvalQuestion(
        id=entry["id"],
        text=entry["question"],
        reference=entry["reference"],
        check=tuple(entry["check"]),
        when=entry.get("when"),
        args=tuple(args) if isinstance(args, list) else (args,),
        tags=tuple(entry.get("tags") or ()),
    )


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "expected a mapping with id, question, reference, check"
    unknown = set(entry) - KEYS
    if unknown:
        return f"unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})"
    for key in ("id", "question", "reference"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            return f"'{key}' must be a non-empty text"
    reference = REFERENCES.get(entry["reference"])
    if reference is None:
        return f"unknown reference {entry['reference']!r} (known: {', '.join(REFERENCES)})"
    return (
        _when_problem(reference, entry.get("when"))
        or _args_problem(reference, entry.get("args") or {})
        or _check_problem(reference, entry.get("check"))
        or _tags_problem(entry.get("tags") or [])
    )


def _when_problem(reference: Reference, when: Any) -> str | None:
    if reference.dated and when is None:
        return f"{reference.name} needs 'when' (days date_range reads, like {KNOWN})"
    if not reference.dated and when is not None:
        return f"{reference.name} takes no 'when' (it looks back a number of days)"
    if when is None:
        return None
    try:
        date_range(str(when), date.today())
    except ValueError as exc:
        return f"unknown when: {exc}"
    return None


def _args_problem(reference: Reference, args: Any) -> str | None:
    readings = args if isinstance(args, list) else [args]
    if not readings or not all(isinstance(reading, dict) for reading in readings):
        return "'args' must be a mapping or a non-empty list of mappings"
    for reading in readings:
        problem = reference.argument_problem(reading)
        if problem:
            return f"args {reading}: {problem}"
    return None


def _check_problem(reference: Reference, check: Any) -> str | None:
    labels = ", ".join(reference.all_labels)
    if not isinstance(check, list) or not check or not all(isinstance(c, str) for c in check):
        return f"'check' must be a list of labels from {labels}"
    unknown = [label for label in check if label not in reference.all_labels]
    if unknown:
        return f"{reference.name} has no {', '.join(unknown)} to check (it has {labels})"
    return None


def _tags_problem(tags: Any) -> str | None:
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return "'tags' must be a list of words"
    return None
