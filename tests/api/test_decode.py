"""``aiobgp decode``: the command line, and ExaBGP 5.0.15's decode of every conformance vector.

The conformance part reads ../shared/conformance (README §6 and §7): each raw message is decoded in
its test's configuration context and compared with ExaBGP's JSON, volatile keys dropped. It skips
when the folder is absent, except under CI=true where that is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aiobgp.api.decode import (
    DecodeContext,
    InvalidPayload,
    context_from_config,
    decode_message,
    main,
    parse_families,
)
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AS_SEQUENCE, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import Negotiated
from aiobgp.wire.nlri import parse_prefix
from aiobgp.wire.update import build_updates

QA = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "exabgp-qa"
VOLATILE = {"time", "host", "pid", "ppid", "counter"}
PREFIX_FAMILIES = {"ipv4 unicast", "ipv4 multicast", "ipv6 unicast", "ipv6 multicast"}
FLOW_FAMILIES = {"ipv4 flow", "ipv6 flow", "ipv4 flow-vpn", "ipv6 flow-vpn"}
SUPPORTED_FAMILIES = PREFIX_FAMILIES | FLOW_FAMILIES
# Messages aiobgp's codec decodes differently on purpose (reason shown when skipped).
CODEC_DIFFERENCES = {
    (
        "conf-generic-attribute",
        1,
    ): "attribute 0x99 flagged well-known: aiobgp answers NOTIFICATION 3/2 (RFC 4271 §6.3)",
    (
        "conf-generic-attribute",
        2,
    ): "attribute 0x99 flagged well-known: aiobgp answers NOTIFICATION 3/2 (RFC 4271 §6.3)",
    (
        "conf-flow",
        6,
    ): "pre-RFC 8956 IPv6 flow offset: aiobgp decodes the rule, 5.0.15 drops it (README §8.2)",
}

UPDATE_HEX = (
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003C020000001C4001010040020040030465016501800404000000C8"
    "40050400000064000000002001010101"
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


# --- the command line ----------------------------------------------------------------------------


def test_decode_update(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["-f", "ipv4 unicast", UPDATE_HEX], capsys)
    assert code == 0
    parsed = json.loads(out)
    assert parsed["neighbor"] == {
        "address": {"local": "127.0.0.1", "peer": "127.0.0.1"},
        "asn": {"local": 65533, "peer": 65533},
        "router-id": "10.0.0.2",
        "direction": "in",
        "message": {
            "update": {
                "attribute": {"origin": "igp", "med": 200, "local-preference": 100},
                "announce": {
                    "ipv4 unicast": {"101.1.101.1": [{"nlri": "0.0.0.0/0"}] * 4 + [{"nlri": "1.1.1.1/32"}]}
                },
            }
        },
    }
    assert parsed["counter"] == 1 and parsed["type"] == "update"


def test_hex_with_separators_or_without_marker(capsys: pytest.CaptureFixture[str]) -> None:
    spaced = [UPDATE_HEX[:32], UPDATE_HEX[32:38] + ":" + UPDATE_HEX[38:]]
    assert json.loads(run(spaced, capsys)[1])["neighbor"]["message"]["update"]["attribute"]["med"] == 200
    code, out = run(["001E0200000007900F0003000201"[4 + 2 :]], capsys)  # an UPDATE body alone
    assert code == 0 and json.loads(out)["neighbor"]["message"] == {"eor": {"afi": "ipv6", "safi": "unicast"}}


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["not-hex"], "hexadecimal"),
        (["-f", "ipv4", UPDATE_HEX], "families provided are invalid"),
        (["-f", "ipv4 nonsense", UPDATE_HEX], "unknown family"),
        (["FF" * 16 + "0013" + "07"], "unknown type 7"),
        (["FF" * 16 + "00FF02"], "the header says 255 bytes"),
        (["FF" * 16 + "001702FFFF0000"], "notification 3/1"),
        (["-f", "ipv4 unicast", "FF" * 16 + "0022020000000B800F0800020120" + "20010DB8"], "non-negotiated"),
    ],
)
def test_invalid_payload(argv: list[str], why: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(argv, capsys)
    assert code == 1
    assert out.startswith("invalid payload: ") and why in out


def test_open_and_notification(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001D0104FDE800B40A00000200"], capsys)
    assert code == 0
    assert json.loads(out)["neighbor"]["open"] == {
        "version": 4,
        "asn": 65000,
        "hold_time": 180,
        "router_id": "10.0.0.2",
        "capabilities": {},
    }
    code, out = run(["FF" * 16 + "0019030602" + "03616263"], capsys)
    assert code == 0
    assert json.loads(out)["neighbor"]["notification"] == {
        "code": 6,
        "subcode": 2,
        "data": "0x" + b'Shutdown Communication: "abc"'.hex().upper(),
        "message": 'Shutdown Communication: "abc"',
    }


def test_messages_of_256_bytes_and_more(capsys: pytest.CaptureFixture[str]) -> None:
    """ExaBGP 5.0.15 misreads their length (a defect); aiobgp decodes them."""
    ctx = Negotiated(65533, 65533, max_message=65535)
    prefixes = [parse_prefix(f"10.{i}.0.0/16")[1] for i in range(100)]
    attrs = Attributes(origin=0, as_path=((AS_SEQUENCE, (1, 2)),), local_pref=100)
    (message,) = build_updates(IPV4_UNICAST, attrs, bytes((1, 2, 3, 4)), prefixes, ctx)
    assert len(message) >= 256
    code, out = run([message.hex()], capsys)
    assert code == 0
    nlri = json.loads(out)["neighbor"]["message"]["update"]["announce"]["ipv4 unicast"]["1.2.3.4"]
    assert [n["nlri"] for n in nlri] == [f"10.{i}.0.0/16" for i in range(100)]


def test_path_information_and_nlri_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["-n", "-i", "-f", "ipv6 unicast", "00000005" + "20" + "20010db8"], capsys)
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"nlri": "2001:db8::/32", "path-information": "0.0.0.5"}
    ]
    code, out = run(["-n", "18C0A800" + "0A0A"], capsys)
    assert code == 1 and "truncated" in out


def test_flow_update_and_nlri(capsys: pytest.CaptureFixture[str]) -> None:
    """Outputs as `exabgp decode` (5.0.15) prints them."""
    rule = "0601200a000002"  # destination 10.0.0.2/32
    update = "FF" * 16 + "0034020000001d" + "4001010040020040050400000064" + "800e0c0001850000" + rule
    code, out = run(["-f", "ipv4 flow", update], capsys)
    assert code == 0
    assert json.loads(out)["neighbor"]["message"]["update"]["announce"] == {
        "ipv4 flow": {
            "no-nexthop": [
                {"destination-ipv4": ["10.0.0.2/32"], "string": "flow destination-ipv4 10.0.0.2/32"}
            ]
        }
    }
    code, out = run(["-n", "-f", "ipv4 flow", rule], capsys)
    assert (code, out) == (
        0,
        '{ "destination-ipv4": [ "10.0.0.2/32" ], "string": "flow destination-ipv4 10.0.0.2/32" }\n',
    )
    code, out = run(["-n", "-f", "ipv4 flow", "0301"], capsys)
    assert code == 1 and "overruns" in out
    code, out = run(["-n", "-f", "ipv4 flow", "020e01"], capsys)
    assert code == 1 and "unknown" in out


def test_context_and_families() -> None:
    assert parse_families("ipv4 unicast ipv6 multicast") == [IPV4_UNICAST, (2, 2)]
    with pytest.raises(InvalidPayload):
        parse_families("")
    negotiated = DecodeContext(families=[IPV6_UNICAST], addpath=True).negotiated()
    assert IPV6_UNICAST in negotiated.addpath_receive and IPV4_UNICAST in negotiated.addpath_receive


def test_configuration_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "test.conf"
    conf.write_text(
        "neighbor 192.0.2.1 { router-id 1.1.1.1; local-address 192.0.2.2; local-as 65001; peer-as 65002;"
        " family { ipv4 unicast; } capability { add-path send/receive; asn4 disable; } }\n"
    )
    ctx = context_from_config(str(conf))
    assert (ctx.neighbor.peer_address, ctx.neighbor.local_as, ctx.neighbor.peer_as) == (
        "192.0.2.1",
        65001,
        65002,
    )
    assert ctx.addpath and not ctx.asn4
    body = "0000" + "0012" + "40010100" + "400204020100FF" + "4003040A000001" + "00000001" + "08" + "0A"
    code, out = run(["-c", str(conf), body], capsys)
    assert code == 0
    update = json.loads(out)["neighbor"]["message"]["update"]
    assert update["attribute"]["as-path"] == {"0": {"element": "as-sequence", "value": [255]}}
    assert update["announce"]["ipv4 unicast"]["10.0.0.1"] == [
        {"nlri": "10.0.0.0/8", "path-information": "0.0.0.1"}
    ]
    code, out = run(["-c", str(tmp_path / "missing.conf"), body], capsys)
    assert code == 1 and "cannot use configuration" in out


# --- conformance: ExaBGP 5.0.15's decode of the vectors ------------------------------------------


def _absent() -> list[Any]:
    return [pytest.param(None, id="conformance-suite-absent")]


def _families_of(expected: dict[str, Any]) -> set[str]:
    message = expected.get("neighbor", {}).get("message", {}).get("update", {})
    return set(message.get("announce", {})) | set(message.get("withdraw", {}))


def _config_of(suite: str, name: str) -> str:
    for line in (QA / suite / f"{name}.ci").read_text().splitlines():
        if line.strip().startswith("option:file:"):
            return line.strip().split(":", 2)[2]
    raise AssertionError(f"{suite}/{name}.ci names no configuration")


def _session_vectors() -> list[Any]:
    if not QA.is_dir():
        return _absent()
    cases = []
    for path in sorted((QA / "expected-5x").glob("*/*.jsonl")):
        suite, name = path.parent.name, path.stem
        for number, line in enumerate(path.read_text().splitlines()):
            record = json.loads(line)
            if record["json"] is None:
                continue  # ROUTE-REFRESH (not decoded by `exabgp decode`) or invalid JSON printed by 5.0.15
            cases.append(pytest.param((suite, name, number, record), id=f"{suite}/{name}:{number}"))
    return cases


def _decoding_vectors() -> list[Any]:
    if not QA.is_dir():
        return _absent()
    return [
        pytest.param(json.loads(path.read_text()), id=path.stem)
        for path in sorted((QA / "expected-5x" / "decoding").glob("*.json"))
    ]


def _require_suite(case: object) -> None:
    if case is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"conformance suite missing at {QA}")
        pytest.skip(f"conformance suite absent ({QA})")


def _compare(line: str, expected: dict[str, Any]) -> None:
    got = {k: v for k, v in json.loads(line).items() if k not in VOLATILE}
    assert got == expected


@pytest.mark.parametrize("case", _session_vectors())
def test_session_vector(case: tuple[str, str, int, dict[str, Any]] | None) -> None:
    _require_suite(case)
    assert case is not None
    suite, name, number, record = case
    unsupported = _families_of(record["json"]) - SUPPORTED_FAMILIES
    if unsupported:
        pytest.skip(f"family not supported yet: {', '.join(sorted(unsupported))}")
    if (name, number) in CODEC_DIFFERENCES:
        pytest.skip(CODEC_DIFFERENCES[(name, number)])
    config = _config_of(suite, name)
    try:
        ctx = context_from_config(str(QA / "etc" / config))
    except InvalidPayload as exc:
        pytest.skip(f"configuration not supported yet: {exc}")
    _compare(decode_message(bytes.fromhex(record["raw"]), ctx), record["json"])


@pytest.mark.parametrize("case", _decoding_vectors())
def test_decoding_vector(case: dict[str, Any] | None) -> None:
    _require_suite(case)
    assert case is not None
    family = case["family"]
    if case["kind"] == "nlri" or (family is not None and family not in SUPPORTED_FAMILIES):
        pytest.skip(f"family not supported yet: {family}")
    ctx = DecodeContext(families=parse_families(family)) if family else DecodeContext()
    _compare(decode_message(bytes.fromhex(case["raw"]), ctx), case["json"])
