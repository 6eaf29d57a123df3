"""`dealbot eval` is honest: right answers pass, wrong or incomplete ones fail, calls and tokens
add up exactly, pass^k needs every try, failures never stop the run, and the function-calling
baseline is the real thing (registry tools, parallel calls, results fed back)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from rich.console import Console

import tools
from bot.cli import main
from bot.database import make_engine, today_in, upgrade
from bot.evals.checks import AMOUNT, COUNT, DATE, NAME, PERCENT, Fact, in_order, judge, names
from bot.evals.command import build_modes
from bot.evals.function_mode import MAX_RESULT_ROWS, NO_TEXT_ANSWER, FunctionsConfig, FunctionsMode
from bot.evals.questions import DEFAULT_QUESTIONS, EvalFileError, EvalQuestion, load_questions
from bot.evals.reference_calls import MOST_CALLS, reference_costs
from bot.evals.report import Prices, pass_hat, percentile, print_report, summarize
from bot.evals.runner import EvalRun, run_questions
from bot.prompt import RUN_TOOL_NAME
from bot.records import Usage
from tests.bot.conftest import DEMO_DEALS, DEMO_PRODUCTS, TEST_MODEL, make_test_agent
from tests.fakes.anthropic_api import Reply, error_reply, text_reply, tool_use_reply

QUESTIONS = load_questions(DEFAULT_QUESTIONS)
BY_ID = {question.id: question for question in QUESTIONS}
FANTA = BY_ID["fanta-2l-stores-weekend"]
CHEERIOS = BY_ID["cheerios-lowest-six-months"]
TIMEZONE = "America/Los_Angeles"

STORES_PROGRAM = """\
start, end = date_range("this weekend")
deals = find_deals("Fanta Orange 2 L", start=start, end=end, limit=None)
stores = sorted({d["store"] for d in deals if d["product"] == "Fanta Orange 2 L"})
final_answer(f"Fanta Orange 2 L is on sale this weekend ({start:%a %b %d}–{end:%a %b %d}) at "
             + ", ".join(stores[:KEEP]) + ".")
"""


def usage(input: int, output: int, write: int = 0, read: int = 0) -> dict[str, int]:
    return {
        "input_tokens": input,
        "output_tokens": output,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
    }


def tool_calls_reply(*calls: tuple[str, dict], tokens: dict | None = None) -> Reply:
    """One model turn asking for several tools at once (parallel tool use)."""
    blocks = [tool_use_reply(arguments, name=name).body["content"][0] for name, arguments in calls]
    turn = tool_use_reply({}, usage=tokens)
    return Reply(status=200, body={**turn.body, "content": blocks})


def is_code_mode(request) -> bool:
    return [tool["name"] for tool in request.tools] == [RUN_TOOL_NAME]


@pytest.fixture
def agent(demo_engine, fake_anthropic):
    return make_test_agent(demo_engine, fake_anthropic)


@pytest.fixture
def deal_tools(demo_engine):
    return tools.build_tools(demo_engine, timezone=TIMEZONE)


def facts_of(question: EvalQuestion, deal_tools) -> dict:
    """The first reading's facts, as the eval computes them now."""
    return question.expected(deal_tools)[0]


def fanta_stores(deal_tools) -> tuple[str, ...]:
    readings = FANTA.expected(deal_tools)
    return readings[-1]["stores"][0].values


def fanta_answer(deal_tools, stores: tuple[str, ...] | None = None) -> str:
    """A right answer to FANTA (or one naming only `stores`): the stores and the days."""
    start, end = deal_tools["date_range"]("this weekend")
    named = ", ".join(fanta_stores(deal_tools) if stores is None else stores)
    return f"{named}, this weekend ({start:%a %b %d}–{end:%a %b %d})."


# --- Verdicts: a right answer passes, a wrong or incomplete one fails ---


def test_right_program_in_code_mode_passes(agent, fake_anthropic, deal_tools):
    fake_anthropic.reply_code(STORES_PROGRAM.replace("KEEP", "99"))
    [code] = build_modes("code", agent)

    [result] = run_questions([FANTA], [code], deal_tools)

    [trial] = result.trials
    assert trial.passed, trial.why
    assert trial.answered.run_id and trial.answered.tool_calls >= 2
    assert agent.history.get(trial.answered.run_id).origin.source == "eval"


def test_incomplete_program_in_code_mode_fails_and_says_why(agent, fake_anthropic, deal_tools):
    fake_anthropic.reply_code(STORES_PROGRAM.replace("KEEP", "1"))
    [code] = build_modes("code", agent)

    [result] = run_questions([FANTA], [code], deal_tools)

    [trial] = result.trials
    assert not trial.passed
    assert f"named 1 of the {len(fanta_stores(deal_tools))} needed" in trial.why


# Programs a competent model might write; each states its question's facts its own way.
RIGHT_PROGRAMS = {
    "cheapest-cereal-per-ounce": """\
deals = [d for d in find_deals("cereal", limit=500) if d["unit"] == "oz" and d["size"]]
best = min(deals, key=lambda d: d["unit_price"] / d["size"])
per_oz = best["unit_price"] / best["size"]
final_answer(f"*{best['product']}* at {best['store']}: ${per_oz:.3f}/oz ({best['description']})")
""",
    "pepsi-or-coke-per-can": """\
start, end = date_range("this week")
def cheapest(query):
    deals = find_deals(query, start=start, end=end, limit=None)
    cans = [d for d in deals if d["unit"] == "can" and d["match"] == "all"]
    best = min(cans, key=lambda d: d["price_per_piece"])
    return best, best["price_per_piece"]
pepsi, pepsi_can = cheapest("pepsi")
coke, coke_can = cheapest("coke")
winner = "Pepsi" if pepsi_can < coke_can else "Coke"
final_answer(
    f"{winner} wins per can this week ({start:%a %b %d}–{end:%a %b %d})."
    f"\\n- Pepsi: ${pepsi_can:.2f}/can ({pepsi['product']}, {pepsi['store']})"
    f"\\n- Coke: ${coke_can:.2f}/can ({coke['product']}, {coke['store']})"
)
""",
    "tide-pods-last-sale": """\
history = [d for p in search_products("tide pods") for d in deal_history(p["id"])]
last = max(history, key=lambda d: d["starts"])
final_answer(
    f"Last on a deal {last['starts']:%a %b %d}: {last['product']} at {last['store']}, "
    f"${last['unit_price']:.2f} ({last['description']})."
)
""",
    "mission-coke-and-lays-total": """\
start, end = date_range("this week")
def cost(deal, count):
    if deal["must_buy"] <= 1:
        return count * deal["unit_price"]
    sets, rest = divmod(count, deal["quantity"])
    return sets * deal["price"] + rest * deal["regular_price"]
total = 0
for name, count in {"Coca-Cola Classic 24 pk": 2, "Lay's Classic Potato Chips 8 oz": 3}.items():
    deals = [
        d for d in find_deals(name, store="Mission", start=start, end=end)
        if d["product"].startswith(name)
    ]
    total += min(cost(d, count) for d in deals)
final_answer(f"About ${total:.2f} at Mission with this week's deals ({start:%b %d}–{end:%b %d}).")
""",
    "caviar-this-week": """\
from datetime import timedelta
deals = find_deals("caviar", start=today(), end=today() + timedelta(days=6))
final_answer("No caviar deals this week." if not deals else f"{len(deals)} caviar deals")
""",
    "ending-tomorrow": """\
tomorrow, _ = date_range("tomorrow")
ending = [d for d in find_deals(start=tomorrow, limit=None) if d["ends"] == tomorrow]
lines = [f"- {d['product']} at {d['store']}: {d['description']}" for d in ending[:10]]
final_answer(f"{len(ending)} deals end tomorrow, {tomorrow:%a %b %d}:\\n" + "\\n".join(lines))
""",
    "frozen-pizza-per-ounce": """\
lowest = {}
for d in find_deals("frozen pizza", limit=500):
    if d["unit"] == "oz":
        lowest[d["product"]] = min(d["unit_price"] / d["size"], lowest.get(d["product"], 99))
ranked = sorted(lowest.items(), key=lambda item: item[1])
lines = [f"{i}. {product} ${value:.3f}/oz" for i, (product, value) in enumerate(ranked, 1)]
final_answer("Cheapest per ounce first:\\n" + "\\n".join(lines))
""",
}


@pytest.mark.parametrize("question_id", RIGHT_PROGRAMS)
def test_a_right_program_passes_its_check(agent, fake_anthropic, deal_tools, question_id):
    fake_anthropic.reply_code(RIGHT_PROGRAMS[question_id])
    [code] = build_modes("code", agent)

    [result] = run_questions([BY_ID[question_id]], [code], deal_tools)

    [trial] = result.trials
    assert trial.answered.sandbox_errors == 0, trial.answered.transcript
    assert trial.passed, f"{trial.why}\n{trial.answered.answer}"


@pytest.mark.parametrize(
    ("answer", "passes"),
    [
        ("Fanta Orange 2 L is on sale at {all} this weekend ({days}).", True),
        ("You'll find it at {all} — all weekend, {days}.", True),
        ("Only at {first} ({days}).", False),
        ("At {all} and {other} ({days}).", False),
        ("Fanta Orange 2 L is on sale at {all}.", False),
        ("At {all} next weekend ({later}).", False),
        ("No Fanta Orange 2 L deals this weekend.", False),
    ],
    ids=["all stores", "paraphrased", "one store", "a store without it", "no dates",
         "other dates", "none"],
)  # fmt: skip
def test_functions_answer_is_judged_on_the_reference_facts(
    agent, fake_anthropic, deal_tools, answer, passes
):
    stores = fanta_stores(deal_tools)
    other = next(s["name"] for s in deal_tools["list_stores"]() if s["name"] not in stores)
    start, end = deal_tools["date_range"]("this weekend")
    later_start, later_end = deal_tools["date_range"]("next weekend")
    fake_anthropic.reply_text(
        answer.format(
            all=", ".join(stores),
            first=stores[0],
            other=other,
            days=f"{start:%a %b %d}–{end:%a %b %d}",
            later=f"{later_start:%a %b %d}–{later_end:%a %b %d}",
        )
    )
    [functions] = build_modes("functions", agent)

    [result] = run_questions([FANTA], [functions], deal_tools)

    assert result.trials[0].passed is passes, result.trials[0].why


def test_amounts_pass_within_a_cent_and_fail_beyond(agent, fake_anthropic, deal_tools):
    lowest = facts_of(CHEERIOS, deal_tools)["lowest"][0].values[0]
    store = facts_of(CHEERIOS, deal_tools)["store"][0].values[0]
    fake_anthropic.reply_text(f"Lowest was ${lowest + 0.01:.2f} at {store}.")
    fake_anthropic.reply_text(f"Lowest was ${lowest + 0.02:.2f} at {store}.")
    fake_anthropic.reply_text(f"Lowest was ${lowest:.2f} somewhere.")
    [functions] = build_modes("functions", agent)

    [result] = run_questions([CHEERIOS], [functions], deal_tools, repeat=3)

    near, far, storeless = result.trials
    assert near.passed, near.why
    assert not far.passed and "lowest: expected" in far.why
    assert not storeless.passed and "store" in storeless.why


def test_nothing_found_must_be_said_plainly(agent, fake_anthropic, deal_tools):
    caviar = BY_ID["caviar-this-week"]
    fake_anthropic.reply_text("No caviar deals this week — try the smoked salmon.")
    fake_anthropic.reply_text("Here are this week's best deals: Bananas per lb at Mission.")
    [functions] = build_modes("functions", agent)

    [result] = run_questions([caviar], [functions], deal_tools, repeat=2)

    said_none, listed_something = result.trials
    assert said_none.passed, said_none.why
    assert not listed_something.passed and "none" in listed_something.why


@pytest.mark.parametrize(
    ("fact", "answer", "holds"),
    [
        (Fact(AMOUNT, (3.49,)), "Now $3.49 at Marina", True),
        (Fact(AMOUNT, (3.49,)), "Now $3.50", True),
        (Fact(AMOUNT, (3.49,)), "Now $3.51", False),
        (Fact(AMOUNT, (0.2079,)), "about 21¢ an ounce", True),
        (Fact(AMOUNT, (0.2079,)), "0.208/oz", True),
        (Fact(AMOUNT, (1234.5,)), "$1,234.50 in all", True),
        (Fact(AMOUNT, (30.0,)), "30% off", False),
        (Fact(PERCENT, (33.3,)), "33% off", True),
        (Fact(COUNT, (3,)), "three deals", True),
        (Fact(COUNT, (3,)), "3 deals", True),
        (Fact(COUNT, (3,)), "$3.00 each", False),
        (Fact(DATE, (date(2026, 11, 25),)), "started Wed Nov 25", True),
        (Fact(DATE, (date(2026, 11, 25),)), "on 11/25", True),
        (Fact(DATE, (date(2026, 11, 25),)), "2026-11-25", True),
        (Fact(DATE, (date(2026, 11, 2),)), "Nov 25", False),
        (names(["Lay's Classic Potato Chips 8 oz"]), "*Lay's potato chips* (8oz)", True),
        (names(["Lay's Classic Potato Chips 8 oz"]), "LAYS CLASSIC POTATO CHIPS 8OZ", True),
        (names(["Lay's Classic Potato Chips 8 oz"]), "Doritos and Tostitos chips", False),
        (names(["Häagen-Dazs Vanilla Ice Cream 14 fl oz"]), "Haagen-Dazs vanilla ice cream", True),
        (names(["Downtown Berkeley"]), "at the Berkeley store", False),
        (names(["Bayside 85% Lean Ground Beef 1 lb"]), "Bayside ground beef, $4.99/lb", True),
        (names(["Bayside 85% Lean Ground Beef 1 lb"]), "Bayside Orange Soda", False),
        (names(["Bayside Orange Soda 2 L"]), "Sunkist Orange Soda 2 L", False),
        (names(["Sunkist Orange Soda 12 pk 12 fl oz cans"]), "Sunkist orange soda 12-pack", True),
        (names(["Cheerios 12 oz", "Cheerios 18 oz"]), "Cheerios 18 oz for $3.99", False),
        (names(["Cheerios 12 oz", "Cheerios 18 oz"]), "Cheerios 12oz, Cheerios 18oz", True),
        (names(["A 1 oz", "B 1 oz", "C 1 oz"], need=2), "A and C", True),
        (names(["A 1 oz", "B 1 oz", "C 1 oz"], need=2), "only B", False),
        (in_order(["Red Baron", "Tombstone"]), "1. Red Baron 2. Tombstone", True),
        (in_order(["Red Baron", "Tombstone"]), "1. Tombstone 2. Red Baron", False),
    ],
)
def test_checks_are_mechanical_and_forgiving_of_form(fact, answer, holds):
    verdict = judge(answer, [{"fact": (fact,)}], ["fact"])

    assert verdict.passed is holds, verdict.why


def test_an_answer_passes_on_any_one_reading_of_the_question():
    weekend = {"total": (Fact(AMOUNT, (10.0,)),)}
    week = {"total": (Fact(AMOUNT, (12.5,)),)}

    assert judge("That's $12.50", [weekend, week], ["total"]).passed
    assert not judge("That's $11.00", [weekend, week], ["total"]).passed
    assert not judge("", [weekend], ["total"]).passed


def test_a_name_fact_with_one_of_many_values_needs_one():
    fact = Fact(NAME, ("Mission", "Marina"))

    assert judge("Marina wins", [{"store": (fact,)}], ["store"]).passed


# --- Stricter: products that do not fit, every tied winner, the days date_range reads ---


def _days(deal_tools, phrase: str) -> str:
    start, end = deal_tools["date_range"](phrase)
    return f"{start:%a %b %d}–{end:%a %b %d}"


def test_naming_a_product_that_does_not_fit_fails_even_beside_every_right_one(deal_tools):
    question = BY_ID["bogo-ice-cream-no-card"]
    [products] = facts_of(question, deal_tools)["products"]
    right = "BOGO without a card: " + ", ".join(products.values) + "."
    wrong = right + f" Also {products.outside[0]}."

    assert judge(right, question.expected(deal_tools), question.check).passed
    verdict = judge(wrong, question.expected(deal_tools), question.check)
    assert not verdict.passed and "which do not fit the question" in verdict.why


def test_every_tied_winner_must_be_named(deal_tools):
    question = BY_ID["coke-24-pack-which-stores"]
    facts = facts_of(question, deal_tools)
    [stores], [price] = facts["store"], facts["price"]
    said = f"${price.values[0]:.2f} this week ({_days(deal_tools, 'this week')})"

    assert len(stores.values) > 1
    every = judge(f"{', '.join(stores.values)}: {said}.", [facts], question.check)
    one = judge(f"{stores.values[0]}: {said}.", [facts], question.check)
    assert every.passed, every.why
    assert not one.passed and f"named 1 of the {len(stores.values)} needed" in one.why


def test_this_week_read_as_one_day_fails(deal_tools):
    question = BY_ID["ice-cream-deals-count"]
    facts = facts_of(question, deal_tools)
    count = facts["count"][0].values[0]
    today = deal_tools["today"]()

    seven_days = judge(
        f"{count} ice cream deals this week ({_days(deal_tools, 'this week')}).",
        [facts],
        question.check,
    )
    one_day = judge(
        f"{count} ice cream deals this week ({today:%a %b %d}).", [facts], question.check
    )
    assert seven_days.passed, seven_days.why
    assert not one_day.passed and one_day.why.startswith("dates: expected")


def test_most_often_names_every_winner_and_its_count(deal_tools):
    question = BY_ID["snack-brand-most-deals"]
    facts = facts_of(question, deal_tools)
    [winners] = facts["winners"]

    assert judge(f"{' and '.join(winners.values)}.", [facts], question.check).passed
    others = deal_tools["count_deals"](category="Snacks", by="brand")
    loser = next(brand for brand in others if brand not in winners.values)
    assert not judge(f"{loser}.", [facts], question.check).passed


# --- Sums: model calls, tokens, cost, errors and repairs ---


def test_calls_and_tokens_are_summed_exactly(agent, fake_anthropic, deal_tools):
    fake_anthropic.reply_code("final_answer(1 / 0)", usage=usage(1000, 50, 300, 0))
    fake_anthropic.reply_code("final_answer('Fanta at Mission')", usage=usage(1100, 60, 0, 2000))
    fake_anthropic.push(
        tool_calls_reply(("list_stores", {}), tokens=usage(900, 40, 200, 0)),
        text_reply("Fanta at Mission", usage=usage(1500, 70, 0, 1800)),
    )
    fake_anthropic.reply_code("final_answer('none')", usage=usage(1200, 30, 0, 2100))
    fake_anthropic.reply_text("none", usage=usage(800, 10, 0, 1700))
    modes = build_modes("both", agent)

    results = run_questions([FANTA, CHEERIOS], modes, deal_tools)
    run = _run_of(results)
    prices = Prices(input=3.0, output=15.0, cache_write=3.75, cache_read=0.30)
    code, functions = (summarize(run, mode, prices) for mode in ("code", "functions"))

    assert code.usage == Usage(
        llm_calls=3,
        input_tokens=3300,
        output_tokens=140,
        cache_read_tokens=4100,
        cache_write_tokens=300,
    )
    assert functions.usage == Usage(
        llm_calls=3,
        input_tokens=3200,
        output_tokens=120,
        cache_read_tokens=3500,
        cache_write_tokens=200,
    )
    assert (code.mean_calls, code.max_calls) == (1.5, 2)
    assert (code.sandbox_errors, code.repairs) == (1, 1)
    assert functions.mean_tool_calls == 0.5
    cost = (3300 * 3.0 + 140 * 15.0 + 300 * 3.75 + 4100 * 0.30) / 1_000_000
    assert code.cost_per_100 == pytest.approx(cost / 2 * 100, abs=1e-12)
    assert len(fake_anthropic.requests) == 6


def _run_of(results, repeat: int = 1, modes=("code", "functions")) -> EvalRun:
    from datetime import UTC, datetime

    return EvalRun(TEST_MODEL, TIMEZONE, repeat, modes, "test", datetime.now(UTC), results)


def test_pass_k_needs_all_k_tries(agent, fake_anthropic, deal_tools):
    right = fanta_answer(deal_tools)
    for text in (right, "Only at Daly City.", right, right, right, right):
        fake_anthropic.reply_text(text)
    [functions] = build_modes("functions", agent)

    results = run_questions([FANTA, FANTA], [functions], deal_tools, repeat=3)
    summary = summarize(_run_of(results, repeat=3, modes=("functions",)), "functions", None)

    assert [t.passed for r in results for t in r.trials] == [True, False, True, True, True, True]
    assert summary.pass_1 == pytest.approx(5 / 6)
    assert summary.pass_k == pytest.approx(1 / 2)
    assert summary.cost_per_100 is None


@pytest.mark.parametrize(
    ("passes", "tries", "k", "expected"),
    [([3, 2], 3, 1, 5 / 6), ([3, 2], 3, 3, 0.5), ([4], 4, 2, 1.0), ([2], 4, 2, 1 / 6)],
)
def test_pass_hat_is_the_unbiased_estimate(passes, tries, k, expected):
    assert pass_hat(passes, tries, k) == pytest.approx(expected)


def test_percentiles_are_nearest_rank_for_the_eval_and_the_benchmarks():
    values = [float(v) for v in range(1, 21)]

    assert (percentile(values, 0.5), percentile(values, 0.95)) == (10.0, 19.0)
    assert percentile(values[::-1], 0.5) == 10.0, "order of the samples does not matter"
    assert (percentile(values, 0.01), percentile(values, 1.0)) == (1.0, 20.0)
    assert percentile([], 0.5) == 0.0


# --- Failures never stop the run ---


@pytest.mark.parametrize("mode", ["code", "functions"])
def test_a_model_error_fails_that_try_and_the_run_goes_on(agent, fake_anthropic, deal_tools, mode):
    fake_anthropic.push(error_reply(400, "invalid_request_error", "prompt is too long"))
    fake_anthropic.reply_text(fanta_answer(deal_tools))

    results = run_questions([FANTA, FANTA], build_modes(mode, agent), deal_tools)

    failed, passed = (result.trials[0] for result in results)
    assert not failed.passed and failed.why.startswith("no answer: ")
    assert "couldn't take that request" in failed.why
    assert passed.passed, passed.why


def test_a_broken_reference_fails_its_question_without_asking_the_model(
    agent, fake_anthropic, deal_tools
):
    broken = EvalQuestion(
        id="broken",
        text="What is the best deal?",
        reference="best_deal",
        check=("product",),
        when="today",
        args=({"by": "nonsense"},),
    )
    fake_anthropic.reply_text(fanta_answer(deal_tools))

    first, second = run_questions([broken, FANTA], build_modes("functions", agent), deal_tools)

    assert first.reference_error and "by must be one of" in first.reference_error
    assert not first.trials[0].passed and "reference failed" in first.trials[0].why
    assert second.trials[0].passed
    assert len(fake_anthropic.requests) == 1


# --- The function-calling baseline ---


def test_functions_mode_runs_parallel_tool_calls_and_feeds_results_back(agent, fake_anthropic):
    today = date.today().isoformat()
    fake_anthropic.push(
        tool_calls_reply(
            ("list_stores", {}),
            ("find_deals", {"query": "orange soda", "start": today, "end": today}),
        ),
        text_reply("Sunkist at Mission."),
    )
    [functions] = build_modes("functions", agent)

    answered = functions.answer("Any orange soda deals today?")

    assert answered.answer == "Sunkist at Mission."
    assert answered.usage.llm_calls == 2 and answered.tool_calls == 2
    _first, second = fake_anthropic.requests
    uses = [b for b in second.messages[-2]["content"] if b["type"] == "tool_use"]
    stores_result, deals_result = second.tool_results
    assert [stores_result["tool_use_id"], deals_result["tool_use_id"]] == [u["id"] for u in uses]
    assert not stores_result.get("is_error") and not deals_result.get("is_error")
    assert "Mission" in {store["name"] for store in json.loads(stores_result["content"])}
    found = json.loads(deals_result["content"])
    assert found and all("orange" in deal["product"].lower() for deal in found)
    assert found[0]["starts"] <= today <= found[0]["ends"]


def test_functions_mode_feeds_a_tool_error_back_as_an_error(agent, fake_anthropic):
    fake_anthropic.push(
        tool_calls_reply(("find_deals", {"store": "Atlantis"})),
        text_reply("There is no Atlantis store."),
    )
    [functions] = build_modes("functions", agent)

    answered = functions.answer("Deals at Atlantis?")

    [result] = fake_anthropic.last_request.tool_results
    assert result["is_error"] is True and "Atlantis" in result["content"]
    assert answered.tool_errors == 1 and answered.answer == "There is no Atlantis store."


def test_functions_mode_cuts_long_results_where_the_tools_say_and_tells_how_many(
    agent, fake_anthropic, deal_tools
):
    today = deal_tools["today"]()
    span = {"start": (today - timedelta(days=60)).isoformat(), "end": today.isoformat()}
    matching = deal_tools["count_deals"](**span)
    fake_anthropic.push(
        tool_calls_reply(("find_deals", {**span, "limit": None})), text_reply("Lots of deals.")
    )
    [functions] = build_modes("functions", agent)

    functions.answer("Every deal of the last two months?")

    [result] = fake_anthropic.last_request.tool_results
    rows, note = result["content"].rsplit("\n", 1)
    assert matching > MAX_RESULT_ROWS and len(json.loads(rows)) == MAX_RESULT_ROWS
    assert note == (
        f"({matching - MAX_RESULT_ROWS:,} more of the {matching:,} results were left out;"
        " narrow the search, or count with count_deals.)"
    )
    [find_deals] = [t for t in fake_anthropic.requests[0].tools if t["name"] == "find_deals"]
    assert f"cut to its first {MAX_RESULT_ROWS}" in find_deals["description"]
    limit = find_deals["input_schema"]["properties"]["limit"]
    assert f"1 to {MAX_RESULT_ROWS}" in limit["description"] and "null" in limit["type"]


def test_functions_loop_is_bounded(agent, fake_anthropic, demo_engine):
    fake_anthropic.responder = lambda request: tool_calls_reply(("list_categories", {}))
    config = FunctionsConfig(model=TEST_MODEL, timezone=TIMEZONE, max_model_calls=3)
    functions = FunctionsMode(client=agent.client, engine=demo_engine, config=config)

    answered = functions.answer("Keep going forever?")

    assert answered.answer is None and answered.error == NO_TEXT_ANSWER.format(calls=3)
    assert len(fake_anthropic.requests) == 3


def test_functions_mode_offers_the_registry_tools_with_the_products_facts(agent, fake_anthropic):
    fake_anthropic.reply_text("ok")
    fake_anthropic.reply_code("final_answer('ok')")
    functions, code = build_modes("functions", agent) + build_modes("code", agent)

    functions.answer("Any deals on orange soda this weekend?")
    code.answer("Any deals on orange soda this weekend?")

    baseline, product = fake_anthropic.requests
    assert baseline.tools == tools.tool_schemas(max_rows=MAX_RESULT_ROWS)
    assert [tool["name"] for tool in baseline.tools] == list(tools.TOOL_NAMES)
    assert baseline.body["model"] == product.body["model"] == TEST_MODEL
    prompt = baseline.system_blocks[0]["text"]
    assert baseline.system_blocks[0]["cache_control"] == {"type": "ephemeral"}
    for fact in ("use date_range(phrase)", "Never invent one", "per_product=True"):
        assert fact in prompt and fact in product.system_blocks[0]["text"]
    assert "run_python" not in prompt and "final_answer" not in prompt
    [question_turn] = baseline.messages
    assert question_turn["content"][0]["text"] == product.messages[0]["content"]


# --- The question set ---


@pytest.fixture(scope="module")
def template_tools(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    yield tools.build_tools(engine, timezone=TIMEZONE)
    engine.dispose()


def test_the_question_set_covers_the_shoppers_questions_and_beyond():
    tags = {tag for question in QUESTIONS for tag in question.tags}

    assert len(QUESTIONS) >= 40
    assert sum("QUESTIONS.md" in q.tags for q in QUESTIONS) >= 20
    kinds = {"date arithmetic", "per-unit", "basket", "history", "empty", "ambiguous"}
    kinds |= {"counting", "most often", "per piece", "ties"}
    assert kinds <= tags


def test_no_reference_needs_more_than_ten_tool_calls(template_tools):
    costs = reference_costs(QUESTIONS, template_tools)

    assert all(cost.error is None for cost in costs), [c for c in costs if c.error]
    assert {cost.question_id: cost.calls for cost in costs if cost.calls > MOST_CALLS} == {}


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.id)
def test_every_reference_runs_on_the_demo_data(question, template_tools):
    readings = question.expected(template_tools)

    assert readings
    if "empty" in question.tags:
        assert not any(readings), "an 'empty' question should find nothing in the demo data"
    else:
        assert any(readings), "the demo data should make this question answerable"
    for facts in filter(None, readings):
        assert all(facts[label] for label in question.check if label != "not_cheaper")


@pytest.mark.postgres
def test_every_reference_runs_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    tools.seed_demo(engine, products=DEMO_PRODUCTS, deals=DEMO_DEALS, today=today_in(TIMEZONE))
    deal_tools = tools.build_tools(engine, timezone=TIMEZONE)
    try:
        found = {question.id: any(question.expected(deal_tools)) for question in QUESTIONS}
    finally:
        engine.dispose()

    assert found == {question.id: "empty" not in question.tags for question in QUESTIONS}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("reference: nope\n    check: [products]", "unknown reference 'nope'"),
        ("reference: deals\n    check: [products]", "deals needs 'when'"),
        ("reference: deals\n    when: someday\n    check: [products]", "unknown when"),
        ("reference: deals\n    when: today\n    check: [total]", "deals has no total"),
        ("reference: deals\n    when: today\n    args: {colour: red}\n    check: [x]", "colour"),
        ("reference: history_low\n    when: today\n    check: [lowest]", "takes no 'when'"),
    ],
)
def test_a_broken_question_file_names_the_question_and_the_problem(tmp_path, entry, problem):
    path = tmp_path / "questions.yaml"
    path.write_text(f"questions:\n  - id: q1\n    question: Anything?\n    {entry}\n")

    with pytest.raises(EvalFileError) as raised:
        load_questions(path)

    assert "question q1" in str(raised.value) and problem in str(raised.value)


# --- The report and the command ---


def test_the_table_shows_each_modes_measures_and_the_failures_with_why(
    agent, fake_anthropic, deal_tools
):
    fake_anthropic.reply_text(fanta_answer(deal_tools))
    fake_anthropic.reply_text("Only at Daly City.")
    results = run_questions([FANTA], build_modes("functions", agent), deal_tools, repeat=2)
    run = _run_of(results, repeat=2, modes=("functions",))
    console = Console(record=True, width=160)

    print_report(console, run, [summarize(run, "functions", None)], None)

    text = console.export_text()
    for measure in ("pass^1", "pass^2", "model calls", "cache-read", "p50 / p95", "est. cost"):
        assert measure in text
    assert "50.0%" in text and "0.0%" in text
    assert "fanta-2l-stores-weekend (try 2/2): stores: named 0" in text


@pytest.fixture
def eval_env(monkeypatch, anthropic_env, demo_url):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    return anthropic_env


def test_eval_prints_the_table_and_writes_the_json_report(eval_env, tmp_path, capsys):
    questions = tmp_path / "two.yaml"
    questions.write_text(
        "questions:\n"
        "  - {id: caviar, question: 'Any caviar deals?', reference: deals, when: today,"
        " args: {query: caviar}, check: [products]}\n"
        "  - {id: pods, question: 'Tide PODS BOGO today?', reference: deals, when: today,"
        " args: {query: tide pods, kind: bogo}, check: [products]}\n"
    )
    eval_env.responder = lambda request: text_reply("No deals on that, sorry.")
    out = tmp_path / "report.json"

    status = main(["eval", "--questions", str(questions), "--repeat", "2", "--out", str(out)])

    assert status == 0
    printed = capsys.readouterr().out
    assert "pass^1" in printed and "pass^2" in printed and "every try passed" in printed
    report = json.loads(out.read_text())
    assert set(report["summary"]) == {"code", "functions"}
    assert report["summary"]["code"]["pass_k"] == 1.0
    assert report["summary"]["functions"]["usage"]["llm_calls"] == 4
    caviar, pods = report["questions"]
    assert len(caviar["trials"]) == 4 and caviar["expected"] == [{}]
    trial = caviar["trials"][0]
    assert trial["mode"] == "code" and trial["run_id"] and trial["input_tokens"] == 100
    assert pods["trials"][-1]["transcript"] == [{"text": "No deals on that, sorry."}]


def test_eval_references_prints_each_questions_tool_calls_without_a_model(
    monkeypatch, capsys, demo_url
):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["eval", "--references"]) == 0

    printed = capsys.readouterr().out
    assert all(question.id[:20] in printed for question in QUESTIONS)
    assert f"none above {MOST_CALLS}" in printed


def test_eval_references_on_a_database_without_deals_says_what_to_do(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")

    assert main(["eval", "--references"]) == 2

    err = capsys.readouterr().err.strip()
    assert "has no deals" in err and "db seed --demo" in err and len(err.splitlines()) == 1


def test_eval_without_a_key_says_what_to_set(monkeypatch, capsys, demo_url):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", demo_url)

    assert main(["eval"]) == 2

    err = capsys.readouterr().err.strip()
    assert "ANTHROPIC_API_KEY" in err and len(err.splitlines()) == 1


def test_eval_with_a_missing_question_file_is_one_line(eval_env, capsys, tmp_path):
    assert main(["eval", "--questions", str(tmp_path / "nope.yaml")]) == 2

    err = capsys.readouterr().err.strip()
    assert "cannot read" in err and len(err.splitlines()) == 1
