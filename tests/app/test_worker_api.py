"""The page–worker protocol: web/protocol.js and dicompeek.app.worker_api name the same calls.

No browser needed: protocol.js is read as text. The worker makes the same comparison at
boot (protocolMismatch in protocol.js) and refuses to start when they differ.
"""

from __future__ import annotations

import json
import re

import pytest

from dicompeek.app import entry_points, worker_api
from registry import ROOT

WEB = ROOT / "web"
PROTOCOL = (WEB / "protocol.js").read_text(encoding="utf-8")
#: The views only render: they call the client layer (worker-client.js), never a worker.
VIEWS = ("app.js", "summary.js", "viewer.js", "tags.js", "review.js", "progress.js", "mask.js", "review-progress.js",
         "review-model.js", "review-overview.js", "review-filters.js", "review-findings.js", "boxes.js",
         "deidentify.js", "deid-boxes.js")


def frozen_object(name: str) -> dict[str, str]:
    """``export const NAME = Object.freeze(... ({key: "value", ...}))`` of protocol.js, as a dict."""
    match = re.search(rf"export const {name} = Object\.freeze\((.*?)\}}\)\)?;", PROTOCOL, re.S)
    assert match, f"protocol.js has no {name} = Object.freeze({{...}})"
    body = re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.S)
    pairs = re.findall(r'(\w+):\s*"(\w+)"', body)
    assert pairs, f"no names in {name}"
    return dict(pairs)


def python_entry_points() -> dict[str, list[str]]:
    return json.loads(worker_api.entry_points())


def test_protocol_js_names_exactly_the_entry_points_python_registers():
    calls, requests = frozen_object("CALL"), frozen_object("REQUEST")
    assert all(key == value for key, value in {**calls, **requests}.items())  # each name is its own value
    assert not set(calls) & set(requests)
    assert sorted([*calls, *requests]) == sorted(python_entry_points()["calls"])


def test_the_calls_that_reply_in_binary_agree():
    binary = re.search(r"export const BINARY_REQUESTS = Object\.freeze\(\[(.*?)\]\);", PROTOCOL, re.S)
    assert binary
    named = re.findall(r"REQUEST\.(\w+)", binary.group(1))
    assert named == python_entry_points()["binary"] == [
        "seg_masks", "render", "thumbnail", "ocr_next", "deid_ocr_next", "deid_join"]


def test_python_says_which_calls_decode_pixels_and_javascript_does_not_repeat_it():
    decoding = python_entry_points()["decodes_pixels"]
    assert set(decoding) <= set(frozen_object("REQUEST"))
    assert {"render", "probe", "series"} <= set(decoding)
    for path in WEB.glob("*.js"):
        assert "DECODES_PIXELS" not in path.read_text(encoding="utf-8"), path.name


def test_binary_calls_go_through_call_binary_and_the_others_through_call():
    with pytest.raises(ValueError, match="call_binary"):
        worker_api.call("render", json.dumps([0, 0, {}]))
    with pytest.raises(ValueError, match="replies in JSON"):
        worker_api.call_binary("instances", "[]")
    assert json.loads(worker_api.call("instances", "[]")) == []


def test_an_entry_point_name_is_registered_once():
    def instances() -> list:  # another function with a name already taken
        return []

    with pytest.raises(ValueError, match="two entry points named instances"):
        worker_api.entry_point(instances)
    assert entry_points._API["instances"].function is worker_api.instances


@pytest.mark.parametrize("view", VIEWS)
def test_views_never_talk_to_a_worker_themselves(view):
    text = (WEB / view).read_text(encoding="utf-8")
    for token in ("postMessage", "new Worker(", ".request(", "requestOn(", "REQUEST", "OP."):
        assert token not in text, f"{view} uses {token}: go through worker-client.js"
    # names of the protocol reach the views only as JSDoc types
    imports = re.findall(r'^import .* from "\./([\w-]+)\.js";', text, re.M)
    assert "protocol" not in imports


def test_every_page_module_is_type_checked():
    config = (ROOT / "tsconfig.json").read_text(encoding="utf-8")
    assert '"web/*.js"' in config
    for path in sorted(WEB.glob("*.js")):
        if path.name == "sw.js":  # build.py fills in its file list; it is not a module of the page
            continue
        assert path.read_text(encoding="utf-8").startswith("// @ts-check\n"), path.name
