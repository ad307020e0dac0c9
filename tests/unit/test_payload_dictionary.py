"""Payload codecs: zd2 (new writes) holds nothing from the benchmark's payload generator, and
items written with zd1 or gzip before still decode."""
import ast
import hashlib
import json
import re
import zlib
from pathlib import Path

from portal.dynamo.codecs import payload_dictionary
from portal.dynamo.submissions import Submission

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ingest_bench.py"


def _generator_lists() -> dict[str, list[str]]:
    """The module-level string lists of bench/ingest_bench.py (read, not imported: importing it
    configures a benchmark environment)."""
    found = {}
    for node in ast.parse(BENCH.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            values = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if values:
                found[node.targets[0].id] = values
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def test_zd2_holds_no_name_greeting_sign_off_sentence_or_user_agent_of_the_generator():
    lists = _generator_lists()
    assert {"FIRST", "LAST", "OPENERS", "SENTENCES", "CLOSERS", "AGENTS"} <= set(lists)
    text = payload_dictionary.ZD2.decode()
    tokens = set(re.findall(r"[^\W\d_]+", text))
    assert not (set(lists["FIRST"]) | set(lists["LAST"])) & tokens
    for phrase in lists["OPENERS"] + lists["CLOSERS"] + lists["AGENTS"]:
        assert phrase not in text, phrase
    words = " ".join(_words(text))
    for sentence in lists["SENTENCES"]:
        w = _words(sentence)
        for i in range(len(w) - 3):
            assert " ".join(w[i:i + 4]) not in words, (sentence, w[i:i + 4])


def test_dictionaries_are_frozen_and_new_writes_use_zd2():
    assert payload_dictionary.CURRENT_CODEC == "zd2"
    assert hashlib.sha256(payload_dictionary.ZD2).hexdigest() == payload_dictionary.ZD2_SHA256
    assert len(payload_dictionary.ZD2) <= 32 * 1024
    sub = Submission(tenantId="t", id="01J", formId="contact")
    sub.set_payload(fields={"message": "Could you let me know the price of a repair? " * 40}, meta={})
    assert sub.payloadCodec == "zd2"


def test_an_item_written_with_zd1_still_decodes():
    payload = {"fields": {"message": "Hello, I would like a quote for a new website. " * 40}, "meta": {"ip": "1.2.3.4"}}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=payload_dictionary.ZD1)
    old = Submission(tenantId="t", id="01J", formId="contact", payloadZ=packer.compress(raw) + packer.flush(),
                     payloadCodec="zd1")
    assert old.fields == payload["fields"] and old.meta == payload["meta"]
