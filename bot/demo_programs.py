"""The demo's saved programs: questions the demo data answers well and the programs that answer
them, written the way the model writes them (see bot/prompt.py). `dealbot db seed --demo`
runs each one on the fresh data and keeps it as a proven run (origin `demo`) that the program
cache reuses, so these questions are answered with no key, no network and no model call."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.program_cache import question_key
from bot.prompt import EXAMPLE_PROGRAMS
from bot.records import Origin

if TYPE_CHECKING:
    from bot.agent import Agent
    from bot.program_cache import ProgramCache

log = logging.getLogger(__name__)

DEMO_ORIGIN = Origin(source="demo")
DEMO_MODEL = "saved program"
SAVED_NOTE = "answered by a saved program — set ANTHROPIC_API_KEY to ask anything else"


@dataclass(frozen=True)
class SavedProgram:
    """A demo question, the eval question (evals/deals.yaml) whose reference checks its
    answer (None: the tests hold it to a reference of their own), and the program."""

    question: str
    eval_id: str | None
    program: str


def _example(question: str) -> str:
    """A prompt example's program: the model is shown it, the demo answers with it."""
    return next(example.program for example in EXAMPLE_PROGRAMS if example.question == question)


DEMO_PROGRAMS: tuple[SavedProgram, ...] = (
    SavedProgram(
        "Any deals on orange soda this weekend?",
        "orange-soda-weekend",
        _example("Any deals on orange soda this weekend?"),
    ),
    SavedProgram(
        "Which store has the most snack deals this week?",
        "most-snack-deals-store",
        _example("Which store has the most snack deals this week?"),
    ),
    SavedProgram(
        "What deals end tomorrow?",
        "ending-tomorrow",
        """\
start, end = date_range("tomorrow")
deals = [d for d in find_deals(start=start, end=end, limit=None) if d["ends"] == start]
if not deals:
    final_answer(f"No deals end tomorrow ({start:%a %b %d}).")
best = {}
for d in deals:
    if d["product"] not in best or d["percent_off"] > best[d["product"]]["percent_off"]:
        best[d["product"]] = d
top = sorted(best.values(), key=lambda d: -d["percent_off"])
lines = [f"- {d['product']}: {d['description']} at {d['store']} ({d['percent_off']:.0f}% off)"
         for d in top[:10]]
more = f"\\n…and {len(top) - 10} more products" if len(top) > 10 else ""
final_answer(f"{len(deals)} deals on {len(best)} products end tomorrow ({start:%a %b %d}); "
             "the biggest discounts:\\n" + "\\n".join(lines) + more)
""",
    ),
    SavedProgram(
        "List coffee deals over 30% off.",
        "coffee-over-30-off",
        """\
deals = [d for d in find_deals("coffee", min_percent_off=30, per_product=True, limit=None)
         if d["match"] == "all" and d["percent_off"] > 30
         and "tea" not in d["product"].lower().split()]  # "coffee" also finds the tea aisle
if not deals:
    final_answer(f"No coffee deals over 30% off today ({today():%a %b %d}).")
deals.sort(key=lambda d: -d["percent_off"])
lines = [f"- {d['product']}: {d['description']} at {', '.join(d['stores'])} "
         f"({d['percent_off']:.0f}% off, until {d['ends']:%a %b %d})" for d in deals[:10]]
final_answer(f"{len(deals)} coffee deals over 30% off today:\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Any BOGO ice cream deals that don't need a member card?",
        "bogo-ice-cream-no-card",
        """\
deals = [d for d in find_deals("ice cream", kind="bogo", requires_card=False, per_product=True,
                               limit=None) if d["match"] == "all"]
if not deals:
    final_answer("No BOGO ice cream deals without a member card today.")
lines = [f"- {d['product']}: {d['description']} at {', '.join(d['stores'])} "
         f"(until {d['ends']:%a %b %d})" for d in deals[:10]]
final_answer(f"{len(deals)} BOGO ice cream deals need no card today:\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Are there any digital coupons for diapers?",
        "diaper-coupons",
        """\
deals = [d for d in find_deals("diapers", kind="coupon", per_product=True, limit=None)
         if d["match"] == "all"]
if not deals:
    final_answer("No digital coupons for diapers today.")
lines = [f"- {d['product']}: {d['description']} at {', '.join(d['stores'])} "
         f"(${d['unit_price']:.2f} with the card, until {d['ends']:%a %b %d})" for d in deals[:10]]
final_answer(f"Yes, {len(deals)} diaper coupons today (clip them to your card):\\n"
             + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "What's on sale in produce at the Mission store?",
        "produce-at-mission",
        """\
deals = find_deals(category="Produce", store="Mission", limit=None)
if not deals:
    final_answer("Nothing in produce is on sale at Mission today.")
lines = [f"- {d['product']}: {d['description']} (${d['unit_price']:.2f} each, "
         f"{d['percent_off']:.0f}% off)" for d in deals[:10]]
more = f"\\n…and {len(deals) - 10} more" if len(deals) > 10 else ""
final_answer(f"{len(deals)} produce deals at Mission today:\\n" + "\\n".join(lines) + more)
""",
    ),
    SavedProgram(
        "What are the three biggest discounts in the whole store right now?",
        "three-biggest-discounts",
        """\
best = {}
for d in find_deals(limit=500):
    if d["product"] not in best or d["percent_off"] > best[d["product"]]["percent_off"]:
        best[d["product"]] = d
top = sorted(best.values(), key=lambda d: -d["percent_off"])
if not top:
    final_answer("No deals today.")
cut = top[min(3, len(top)) - 1]["percent_off"]
leaders = [d for d in top if d["percent_off"] >= cut - 0.005]  # every product tied with third
lines = [f"- {d['product']}: {d['percent_off']:.0f}% off, {d['description']} at {d['store']}"
         for d in leaders]
final_answer("The biggest discounts today:\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Any gluten-free deals this week?",
        "gluten-free-this-week",
        """\
start, end = date_range("this week")
days = f"{start:%a %b %d}–{end:%a %b %d}"
deals = [d for d in find_deals("gluten-free", start=start, end=end, per_product=True,
                               limit=None) if d["match"] == "all"]
if not deals:
    final_answer(f"No gluten-free deals this week ({days}).")
lines = [f"- {d['product']}: {d['description']} at {', '.join(d['stores'])} "
         f"(${d['unit_price']:.2f} each)" for d in deals[:10]]
final_answer(f"{len(deals)} gluten-free products on sale this week ({days}):\\n"
             + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "When did Tide pods last go on sale, and for how much?",
        "tide-pods-last-sale",
        """\
found = [p for p in search_products("tide pods", limit=20) if p["match"] == "all"]
history = [d for p in found for d in deal_history(p["id"], days=180)]
if not history:
    final_answer("Tide Pods have had no deals in the last 180 days.")
last = max(history, key=lambda d: d["starts"])
final_answer(f"Tide Pods last went on sale on {last['starts']:%a %b %d}: {last['product']} "
             f"for ${last['price']:.2f} at {last['store']} ({last['description']}, "
             f"regular ${last['regular_price']:.2f}).")
""",
    ),
    SavedProgram(
        "What's the cheapest cereal on sale right now, per ounce?",
        "cheapest-cereal-per-ounce",
        """\
deals = [d for d in find_deals("cereal", per_product=True, limit=None)
         if d["match"] == "all" and d["unit"] == "oz" and d["price_per_unit"]]
if not deals:
    final_answer(f"No cereal sold by the ounce is on sale today ({today():%a %b %d}).")
deals.sort(key=lambda d: d["price_per_unit"])
low = deals[0]["price_per_unit"]
best = [d for d in deals if d["price_per_unit"] <= low + 0.0005]  # every product that ties
lines = [f"- {d['product']}: ${d['price_per_unit']:.3f}/oz, {d['description']} at "
         f"{', '.join(d['stores'])}" for d in deals[:6]]
final_answer(f"Cheapest per ounce today: {' and '.join(d['product'] for d in best)} at "
             f"${low:.3f}/oz.\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Show me every chips deal at every store tomorrow.",
        None,
        """\
start, end = date_range("tomorrow")
deals = [d for d in find_deals("chips", start=start, end=end, limit=None) if d["match"] == "all"]
if not deals:
    final_answer(f"No chips deals tomorrow ({start:%a %b %d}).")
rows = [{"product": d["product"], "store": d["store"], "price": d["price"],
         "deal": d["description"], "ends": d["ends"]} for d in deals]
cheapest = sorted(deals, key=lambda d: d["unit_price"])[:5]
lines = [f"- {d['product']} at {d['store']}: ${d['unit_price']:.2f} ({d['description']})"
         for d in cheapest]
final_answer(f"{len(deals)} chips deals tomorrow ({start:%a %b %d}); the cheapest:\\n"
             + "\\n".join(lines), table=rows)
""",
    ),
    SavedProgram(
        "How has the price of Tide Pods changed over the last six months?",
        None,
        _example("Tide Pods' price over the last six months"),
    ),
    SavedProgram(
        "I'm making tacos for 6 on Friday — what can I get on sale? "
        "(ground beef, tortillas, cheese, salsa)",
        "tacos-friday",
        """\
start, end = date_range("friday")
lines = []
for item in ["ground beef", "tortillas", "cheese", "salsa"]:
    deals = [d for d in find_deals(item, start=start, end=end, per_product=True, limit=None)
             if d["match"] == "all"]
    if not deals:
        lines.append(f"- {item}: no deal on Friday")
        continue
    best = min(deals, key=lambda d: d["unit_price"])
    lines.append(f"- {item}: {best['product']}, {best['description']} at "
                 f"{', '.join(best['stores'])} (${best['unit_price']:.2f} each)")
final_answer(f"For tacos on Friday ({start:%a %b %d}):\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Is anything I usually buy — milk, eggs, bread, bananas — on sale today?",
        "staples-today",
        """\
lines = []
for item in ["milk", "eggs", "bread", "bananas"]:
    deals = [d for d in find_deals(item, per_product=True, limit=None) if d["match"] == "all"]
    if not deals:
        lines.append(f"- {item}: not on sale today")
        continue
    best = min(deals, key=lambda d: d["unit_price"])
    lines.append(f"- {item}: {best['product']}, {best['description']} at "
                 f"{', '.join(best['stores'])} (${best['unit_price']:.2f})")
final_answer(f"Today ({today():%a %b %d}):\\n" + "\\n".join(lines))
""",
    ),
    SavedProgram(
        "Which frozen pizzas are on sale, sorted by price per ounce?",
        "frozen-pizza-per-ounce",
        """\
deals = [d for d in find_deals("frozen pizza", per_product=True, limit=None)
         if d["match"] == "all" and d["unit"] == "oz" and d["price_per_unit"]]
if not deals:
    final_answer(f"No frozen pizzas are on sale today ({today():%a %b %d}).")
deals.sort(key=lambda d: d["price_per_unit"])
lines = [f"{n}. {d['product']}: ${d['price_per_unit']:.3f}/oz (${d['unit_price']:.2f}, "
         f"{d['description']} at {', '.join(d['stores'])})" for n, d in enumerate(deals[:10], 1)]
final_answer(f"{len(deals)} frozen pizzas on sale today, cheapest per ounce first:\\n"
             + "\\n".join(lines))
""",
    ),
)

BY_KEY = {question_key(saved.question): saved for saved in DEMO_PROGRAMS}


def saved_program(question: str) -> SavedProgram | None:
    """The demo's saved program for these words (case, spacing and punctuation aside)."""
    return BY_KEY.get(question_key(question))


def demo_questions(count: int | None = None) -> list[str]:
    return [saved.question for saved in DEMO_PROGRAMS[:count]]


def save_demo_programs(agent: Agent, cache: ProgramCache, *, timezone: str) -> int:
    """Run every saved program on the demo data just seeded, record each as a proven run
    (origin `demo`) and keep the ones that answered in the program cache for every
    workspace and time zone; returns how many were kept."""
    cache.forget_demo()
    kept = 0
    for saved in DEMO_PROGRAMS:
        outcome = agent.rerun(
            saved.question, saved.program, timezone=timezone, repair=False, label="demo program"
        )
        run, _ = agent.history.add(saved.question, outcome, origin=DEMO_ORIGIN, model=DEMO_MODEL)
        if not run.ok:
            log.warning("saved demo program %r failed: %s", saved.question, run.error)
            continue
        cache.remember_demo(saved.question, run.run_id, saved.program)
        kept += 1
    return kept
