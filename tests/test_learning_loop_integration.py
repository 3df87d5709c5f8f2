"""The learning loop end to end on a real Mosquitto, the simulated home and the real NLU.

Home A fails ("turn on the reading lamp": no such device), rephrases ("turn on the
standing light": done); the loop links, labels and queues both turns, the feedback
sync delivers them to the hub, the hub mines and signs a table, home B's speaker
verifies it, and the failing utterance now turns the standing light on in home B.
Rewrites never unlock or open on their own; "no, that's wrong" labels a wrong
guess; a failure this home fixed by saying it again is rewritten there the
next time; a taught phrase works at once and "forget that" undoes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from edge.config import NluSettings, settings_from_dict
from edge.feedback.outbox import Outbox
from edge.feedback.sync import FeedbackSync
from edge.feedback.rephrase import RephraseDetector
from edge.learning.ground_truth import read_jsonl
from edge.learning.hub import LearningHub
from edge.learning.hub_store import HubStore
from edge.learning.loop import LearningLoop
from edge.learning.signing import generate_keypair, load_private_key, load_public_key, sign_table
from edge.learning.subscriber import RewriteTableSubscriber
from edge.learning.table import Rewrite, RewriteTable
from edge.rewrite import PersonalStore, Rewriter
from edge.turn import Outcome, Turn
from tests.conftest import wait_until

pytestmark = pytest.mark.integration

SECRET = b"home-a-secret-home-a-secret-0123"


@pytest.fixture(scope="module")
def home(broker):
    from edge.sim import SimHome

    with SimHome(broker.host, broker.port) as sim:
        yield sim


@pytest.fixture(scope="module")
def link(broker, home) -> Iterator[object]:
    from edge.devices import DeviceLink

    settings = settings_from_dict({"mqtt": {"host": broker.host, "port": broker.port, "confirm_timeout_s": 2.0}})
    device_link = DeviceLink(settings.mqtt, client_id="edge-test-learning-loop")
    device_link.start()
    device_link.wait_for_discovery(10.0)
    yield device_link
    device_link.stop()


@pytest.fixture(scope="module")
def interpreter():
    from edge.nlu.factory import build_interpreter

    return build_interpreter(NluSettings())


def processor(interpreter, link, loop: LearningLoop | None):
    from edge.pipeline.processor import TurnProcessor

    return TurnProcessor(
        None, interpreter, link, device_id="kitchen-speaker", area="Kitchen", confirm_timeout_s=2.0,
        wake_model="alexa", learning=loop,
    )  # fmt: skip


def say(p, loop: LearningLoop, text: str) -> tuple[Turn, list]:
    turn = p.process_text(text, act=True)
    return turn, loop.after_turn(turn)


def test_a_failure_and_its_rephrase_go_to_the_hub_and_the_signed_table_fixes_it_in_another_home(
    broker, home, link, interpreter, tmp_path: Path, ns: str
) -> None:
    priv, pub = tmp_path / "hub" / "hub.key", tmp_path / "hub" / "hub.pub"
    generate_keypair(priv, pub)
    box = Outbox(tmp_path / "a" / "outbox.db")
    store_a = PersonalStore(tmp_path / "a" / "personal.db")
    loop_a = LearningLoop(rewriter=Rewriter(personal=store_a, embed=interpreter.embed), personal=store_a, outbox=box,
                          secret=SECRET, detector=RephraseDetector(embed=interpreter.embed),
                          ground_truth_path=tmp_path / "a" / "nlu-feedback.jsonl")  # fmt: skip
    a = processor(interpreter, link, loop_a)
    hub = LearningHub(HubStore(tmp_path / "hub" / "events.db"), load_private_key(priv), broker.host, broker.port,
                      client_id=f"hub-{ns}", topic_prefix=f"{ns}/feedback", table_topic=f"{ns}/rewrites/table",
                      min_support=1, reconnect_max_s=1.0).start()  # fmt: skip
    sync = FeedbackSync(box, broker.host, broker.port, f"spk-{ns}", f"{ns}/feedback", reconnect_max_s=1.0)
    sub = RewriteTableSubscriber(load_public_key(pub), tmp_path / "b", topic=f"{ns}/rewrites/table")
    store_b = PersonalStore(tmp_path / "b" / "personal.db")
    try:
        processor(interpreter, link, None).process_text("turn off the standing light", act=True)
        failed, (first,) = say(a, loop_a, "turn on the reading lamp")
        assert failed.outcome is Outcome.NO_DEVICE and failed.rewrite is None
        assert (first.defects, first.failure_point) == (("no_device",), "resolution")
        fixed, events = say(a, loop_a, "turn on the standing light")
        assert fixed.outcome is Outcome.DONE and home.state("sim_standing_light") == "on"
        assert [(e.turn_id, e.rephrase_of) for e in events] == [(fixed.turn_id, failed.turn_id), (failed.turn_id, None)]
        again = events[1]
        assert again.defects == ("rephrased", "no_device") and again.failure_point == "resolution"  # another name
        assert again.extra["label"] == {"intent": "HassTurnOn", "spans": [[12, 24, "name"]]}
        assert {e.turn_id for e in box.pending(10)} == {failed.turn_id, fixed.turn_id}  # queued, labels replaced
        (label,) = read_jsonl(tmp_path / "a" / "nlu-feedback.jsonl")
        assert (label.text, label.intent, label.spans) == ("turn on the reading lamp", "HassTurnOn", ((12, 24, "name"),))

        assert hub.wait_ready(10)
        sync.start()
        assert sync.wait_drained(15) and hub.store.count() == 2
        table = hub.mine_and_publish()
        hit = table.lookup("Turn on the reading lamp.")
        assert hit is not None and hit.target == "turn on the standing light"

        sub.start(broker.host, broker.port, f"sub-{ns}")
        assert wait_until(lambda: sub.current() is not None, 10) and sub.current().version == table.version
        loop_b = LearningLoop(rewriter=Rewriter(table=sub.current, personal=store_b, embed=interpreter.embed), personal=store_b)
        b = processor(interpreter, link, loop_b)
        processor(interpreter, link, None).process_text("turn off the standing light", act=True)
        assert wait_until(lambda: home.state("sim_standing_light") == "off", 3)
        turn, _ = say(b, loop_b, "turn on the reading lamp")
        assert turn.rewrite is not None
        assert (turn.rewrite.source, turn.rewrite.text, turn.rewrite.version) == (
            "table", "turn on the standing light", table.version,
        )  # fmt: skip
        assert turn.outcome is Outcome.DONE and [e.unique_id for e in turn.resolution.entities] == ["sim_standing_light"]
        assert home.state("sim_standing_light") == "on"
    finally:
        sub.stop()
        sync.stop()
        hub.stop()
        box.close()
        store_a.close()
        store_b.close()


def test_a_rewrite_alone_never_unlocks_or_opens(broker, home, link, interpreter, tmp_path: Path, ns: str) -> None:
    priv, pub = tmp_path / "hub.key", tmp_path / "hub.pub"
    generate_keypair(priv, pub)
    sub = RewriteTableSubscriber(load_public_key(pub), tmp_path / "spk")
    envelope = sign_table(
        RewriteTable.of(3, 0.0, [Rewrite("let me in", "unlock the front door", 9, 0.9),
                                 Rewrite("open sesame", "open the garage door", 9, 0.9)]),
        load_private_key(priv),
    )  # fmt: skip
    assert sub.offer(envelope)
    with PersonalStore(":memory:") as store:
        loop = LearningLoop(rewriter=Rewriter(table=sub.current, personal=store), personal=store)
        p = processor(interpreter, link, loop)
        before = {uid: list(home.received(uid)) for uid in ("sim_front_door", "sim_garage_door")}
        for text in ("let me in", "open sesame"):
            turn, _ = say(p, loop, text)
            assert turn.rewrite is not None and turn.rewrite.source == "table"
            assert turn.outcome is Outcome.REFUSED and turn.actions == ()
        assert {uid: list(home.received(uid)) for uid in before} == before  # nothing was sent to either


def test_a_no_labels_a_wrong_guess_a_fixed_failure_is_rewritten_next_time_and_teaching(
    broker, home, link, interpreter, tmp_path: Path
) -> None:
    with PersonalStore(tmp_path / "personal.db") as store:
        loop = LearningLoop(rewriter=Rewriter(personal=store, embed=interpreter.embed), personal=store,
                            detector=RephraseDetector(embed=interpreter.embed))  # fmt: skip
        p = processor(interpreter, link, loop)
        guess, _ = say(p, loop, "turn on the light")  # the speaker's room's light; the user meant another
        assert guess.rewrite is None and guess.outcome is Outcome.DONE
        no, events = say(p, loop, "no, that's wrong")
        assert no.nlu.intent == "EdgeNegativeFeedback" and no.response.text == "Sorry about that. Please say it another way."
        assert [(e.turn_id, e.defects) for e in events] == [(guess.turn_id, ("negative_feedback",))]
        fixed, events = say(p, loop, "turn on the living room ceiling light")
        assert fixed.outcome is Outcome.DONE and [e.turn_id for e in events] == [fixed.turn_id, guess.turn_id]
        assert events[1].defects == ("rephrased", "negative_feedback") and events[1].failure_point == "resolution"

        failed, _ = say(p, loop, "turn on the reading lamp")  # what this home calls its living room lamp
        assert failed.outcome is Outcome.NO_DEVICE and failed.rewrite is None
        fixed, events = say(p, loop, "turn on the living room lamp")
        assert fixed.outcome is Outcome.DONE and events[0].rephrase_of == failed.turn_id
        processor(interpreter, link, None).process_text("turn off the living room lamp", act=True)
        assert wait_until(lambda: home.state("A1B2C3_LI_1") == "off", 3)
        turn, _ = say(p, loop, "turn on the reading lamp")
        assert turn.rewrite is not None
        assert (turn.rewrite.source, turn.rewrite.text) == ("personal", "turn on the living room lamp")
        assert turn.outcome is Outcome.DONE and home.state("A1B2C3_LI_1") == "on"

        taught, _ = say(p, loop, "when I say movie time, turn off the living room lamp")
        assert taught.outcome is Outcome.ANSWERED
        assert taught.response.text == "OK. When you say movie time, I'll turn off the living room lamp."
        turn, _ = say(p, loop, "movie time")
        assert turn.rewrite.source == "taught" and turn.outcome is Outcome.DONE and home.state("A1B2C3_LI_1") == "off"
        forgot, _ = say(p, loop, "forget that")
        assert forgot.response.text == "OK, I forgot what movie time means."
        assert say(p, loop, "movie time")[0].rewrite is None


class _Heard:
    """A transcriber that hears what the test says next (the rest of the loop is real)."""

    def __init__(self) -> None:
        self.text = ""

    def transcribe(self, audio, vocabulary=()):
        from edge.turn import AsrResult

        return AsrResult(self.text, -0.3, 0.01, 1.5, "test")


def _command(*, wake: bool):
    import time

    import numpy as np

    from edge.pipeline.front import CapturedCommand
    from edge.vad import EndpointReason
    from edge.wake.detector import Detection

    return CapturedCommand(Detection("alexa", 0.97, 1.0) if wake else None, np.zeros(16000, np.int16),
                           EndpointReason.END_OF_SPEECH, time.monotonic(), 1.0)  # fmt: skip


def test_from_the_microphone_a_rewrite_to_unlock_only_asks_and_acts_on_a_yes(broker, home, link, interpreter, tmp_path):
    from edge.pipeline.processor import TurnProcessor

    priv, pub = tmp_path / "hub.key", tmp_path / "hub.pub"
    generate_keypair(priv, pub)
    sub = RewriteTableSubscriber(load_public_key(pub), tmp_path / "spk")
    assert sub.offer(sign_table(RewriteTable.of(5, 0.0, [Rewrite("let me in", "unlock the front door", 9, 0.9)]),
                                load_private_key(priv)))  # fmt: skip
    processor(interpreter, link, None).process_text("lock the front door", act=True)
    assert wait_until(lambda: home.state("sim_front_door") == "locked", 3)
    heard = _Heard()
    with PersonalStore(":memory:") as store:
        loop = LearningLoop(rewriter=Rewriter(table=sub.current, personal=store), personal=store)
        p = TurnProcessor(heard, interpreter, link, device_id="kitchen-speaker", area="Kitchen", confirm_timeout_s=2.0,
                          wake_model="alexa", learning=loop)  # fmt: skip
        before = list(home.received("sim_front_door"))
        heard.text = "Alexa, let me in."
        asked = p.process(_command(wake=True), "mic")
        assert asked.rewrite is not None and asked.rewrite.text == "unlock the front door"
        assert asked.outcome is Outcome.ASKED and asked.actions == () and list(home.received("sim_front_door")) == before
        heard.text = "No."
        refused = p.process(_command(wake=False), "mic")
        assert refused.outcome is Outcome.REFUSED and home.state("sim_front_door") == "locked"
        heard.text = "Alexa, let me in."
        p.process(_command(wake=True), "mic")
        heard.text = "Yes."
        done = p.process(_command(wake=False), "mic")  # a spoken confirmation, not the rewrite alone
        assert done.outcome is Outcome.DONE and home.state("sim_front_door") == "unlocked"
    processor(interpreter, link, None).process_text("lock the front door", act=True)
