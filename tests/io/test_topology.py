"""SCALE-Sim topology CSV reader/writer: parsing, round trips, and every bad-input message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evo_cosearch.errors import InputError
from evo_cosearch.io.topology import parse_topology, read_topology, topology_text, write_topology
from evo_cosearch.space import LayerSpec, NetworkSpec, StageSpec
from evo_cosearch.workload import CONV, DENSE, DW, PW, layers_of, spec_workload

HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
GOOD = f"""{HEADER}
conv1, 16, 16, 3, 3, 8, 20, 2,
pw,7,7,1,1,40,24,1
  DPconv ,  10 , 12 , 3 , 5 , 6 , 2 , 1 ,

fc, 1, 1, 1, 1, 64, 10, 1,
"""


def _net() -> NetworkSpec:
    return NetworkSpec(in_channels=3, in_size=16, num_classes=10, stem_width=8, stem_stride=2, edge_bits=8,
                       stages=(StageSpec(depth=2, width=16, stride=2,
                                         layers=(LayerSpec(5, 3, "mbconv", 4, 8), LayerSpec(3, 1, "mbconv", 8, 8))),
                               StageSpec(depth=1, width=24, stride=1,
                                         layers=(LayerSpec(3, 6, "fused_mbconv", 8, 8),))))


def test_parse_fields_kinds_and_padding():
    la = parse_topology(GOOD, source="t.csv")
    assert la.shape == (1, 4) and la.names == ("conv1", "pw", "DPconv", "fc")
    assert list(la.kind[0]) == [CONV, PW, DW, DENSE]
    # padded 16, k3, s2 -> out (16-3)//2+1 = 7; un-padded input 14
    assert (la.in_h[0, 0], la.out_h[0, 0], la.stride[0, 0]) == (14, 7, 2)
    assert (la.in_h[0, 1], la.out_h[0, 1], la.out_w[0, 1]) == (7, 7, 7)
    # depthwise: 6 channels x 2 filters per channel, rectangular kernel 3x5
    assert (la.in_c[0, 2], la.out_c[0, 2], la.groups[0, 2]) == (6, 12, 6)
    assert (la.out_h[0, 2], la.out_w[0, 2], la.kernel_w[0, 2]) == (8, 8, 5)
    assert la.macs[0, 2] == 8 * 8 * 12 * 3 * 5
    assert la.macs[0, 3] == 64 * 10
    assert la.active.all() and (la.w_bits == 8).all() and (la.a_bits == 8).all()


def test_text_round_trip_is_canonical():
    text = topology_text(parse_topology(GOOD))
    assert text.splitlines()[0] == HEADER
    assert text.splitlines()[3] == "DPconv, 10, 12, 3, 5, 6, 2, 1,"
    assert topology_text(parse_topology(text)) == text


def test_workload_round_trip_keeps_every_mac_layer(tmp_path):
    la = spec_workload(_net())
    path = tmp_path / "net.csv"
    write_topology(path, la)
    back = read_topology(path)
    mac_layers = [l for l in layers_of(la) if l.kind in ("conv", "depthwise", "pointwise", "dense")]
    assert len(layers_of(la)) > len(mac_layers)  # add/pool were skipped
    got = layers_of(back)
    assert len(got) == len(mac_layers)
    for a, b in zip(mac_layers, got):
        assert (b.name == a.name) or (a.kind == "depthwise" and b.name == f"{a.name}_DP")
        assert b.kind == a.kind
        assert (b.in_h, b.out_h, b.in_c, b.out_c, b.kernel_h, b.stride, b.groups, b.macs) == \
               (a.in_h, a.out_h, a.in_c, a.out_c, a.kernel_h, a.stride, a.groups, a.macs)


def test_writer_keeps_non_depthwise_names_out_of_scalesim_dp_rule():
    conv = layers_of(parse_topology(f"{HEADER}\nc, 5, 5, 3, 3, 2, 2, 1,\n"))[0]
    line = topology_text([replace(conv, name="xDPx,conv")]).splitlines()[1]
    assert line == "xDpx_conv, 5, 5, 3, 3, 2, 2, 1,"


@pytest.mark.parametrize("text, needle", [
    ("", "empty topology file"),
    (f"{HEADER}\n", "no layer rows"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Strides,\nc,1,1,1,1,1,1,",
     "missing column 'Num Filter'"),
    (f"{HEADER}\nc, 8, 8, 3, 3, 4, 4,\n", "row 1 (line 2): expected 8 fields"),
    (f"{HEADER}\nc, 8, 8, 3, 3, 4, 4, 1, 1:1,\n", "row 1 (line 2): expected 8 fields"),
    (f"{HEADER}\nok, 8, 8, 3, 3, 4, 4, 1,\nc, 8, 8, 3, 3, x, 4, 1,\n",
     "row 2 (line 3): Channels='x' is not an integer"),
    (f"{HEADER}\nc, 8, 8, 3, 3, 4, 2.5, 1,\n", "Num Filter='2.5' is not an integer"),
    (f"{HEADER}\nc, 0, 8, 1, 3, 4, 4, 1,\n", "IFMAP Height=0 must be positive"),
    (f"{HEADER}\nc, 8, 8, 3, 3, 4, 4, -1,\n", "Strides=-1 must be positive"),
    (f"{HEADER}\nc, 2, 8, 3, 3, 4, 4, 1,\n", "Filter Height=3 is larger than IFMAP Height=2"),
    (f"{HEADER}\nc, 8, 4, 3, 5, 4, 4, 1,\n", "Filter Width=5 is larger than IFMAP Width=4"),
    (f"{HEADER}\n, 8, 8, 3, 3, 4, 4, 1,\n", "row 1 (line 2): empty Layer name"),
    (f"{HEADER}\nc, 100000, 100000, 3, 3, 100000, 100000, 1,\n", "9e+20 MACs in one layer"),  # int64 overflow
])
def test_bad_input_names_file_row_field_value(text, needle):
    with pytest.raises(InputError) as exc:
        parse_topology(text, source="bad.csv")
    msg = str(exc.value)
    assert msg.startswith("bad.csv: ") and needle in msg and "\n" not in msg


def test_the_largest_layer_allowed_simulates_without_overflow():
    from evo_cosearch.hardware import simulate
    from evo_cosearch.hardware.systolic import simulate_systolic
    from evo_cosearch.io.hwfile import hw_arrays, parse_hw
    from evo_cosearch.io.topology import MAX_LAYER_MACS
    from evo_cosearch.space import ACCELERATOR_TABLE

    layers = parse_topology(f"{HEADER}\nc, 3000, 3000, 3, 3, 3300, 3300, 1,\nd_DP, 30000, 30000, 3, 3, 1000, 100, 1,\n")
    assert 0.8 * MAX_LAYER_MACS < layers.macs.max() <= MAX_LAYER_MACS
    smallest = parse_hw({k: v[0] for k, v in ACCELERATOR_TABLE.items()})
    for m in (simulate(layers, hw_arrays(smallest)), simulate_systolic(layers, 1, 1, "ws", 256, 256, 128)):
        assert (m.cycles >= layers.macs / 16).all() and (m.energy_uj > 0).all() and (m.latency_ms > 0).all()
        assert 0 < m.utilization.max() <= 1 + 1e-9


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nope.csv: topology file not found"):
        read_topology(tmp_path / "nope.csv")


def test_a_file_saved_with_a_byte_order_mark_reads_as_without(tmp_path):
    """Excel's "CSV UTF-8" starts the file with one; it was a 'missing column Layer name' error."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert topology_text(read_topology(path)) == topology_text(parse_topology(GOOD))
