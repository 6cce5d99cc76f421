"""Which precision training autocasts to: decided from the device's bfloat16 units."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dense_direction import hardware


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx2 avx512f avx512bw", False),  # AVX512 without BF16: emulated, slow
        ("fpu avx2 avx512_bf16", True),  # Cooper Lake, Zen 4
        ("fpu avx512f amx_bf16 amx_tile", True),  # Sapphire Rapids
    ],
)
def test_bfloat16_units_read_from_cpu_flags(tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: x\nflags\t\t: {flags}\n")
    assert hardware.cpu_has_bfloat16_units(str(cpuinfo)) is expected


def test_unreadable_cpuinfo_means_no_bfloat16_units(tmp_path):
    assert hardware.cpu_has_bfloat16_units(str(tmp_path / "missing")) is False


@pytest.mark.parametrize("units", [True, False])
def test_auto_follows_the_hardware_and_explicit_choices_are_kept(monkeypatch, units):
    monkeypatch.setattr(hardware, "cpu_has_bfloat16_units", lambda: units)
    auto = hardware.resolve_precision("auto", "cpu")
    assert auto == (torch.bfloat16 if units else torch.float32)
    assert hardware.resolve_precision("float32", "cpu") == torch.float32
    assert hardware.resolve_precision("bfloat16", "cpu") == torch.bfloat16


def test_unknown_precision_names_the_choices():
    with pytest.raises(ValueError, match="auto, float32, bfloat16; got 'fp16'"):
        hardware.resolve_precision("fp16", "cpu")


@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 0), (4, 1), (16, 4), (64, 4)])
def test_data_workers_leave_small_machines_to_the_network(cores, workers):
    assert hardware.data_workers(cores) == workers


@pytest.mark.parametrize("name", ["mps", "xpu", "meta"])
def test_device_types_torch_knows_but_we_do_not_run_on_are_refused(name):
    # torch.device("mps") parses; a model moved there fails later with a RuntimeError
    # ("PyTorch is not linked with support for mps devices"): refuse it up front instead.
    with pytest.raises(ValueError, match=rf"device '{name}': Dense Direction runs on cpu or cuda"):
        hardware.resolve_device(name)


@pytest.fixture
def numpy_pages():
    """NumPy's huge-page setting, restored after the test."""
    before = hardware._numpy_huge_pages(True)
    yield
    hardware._numpy_huge_pages(before)


def test_huge_pages_for_torch_not_numpy_unless_the_environment_says_otherwise(
    monkeypatch, numpy_pages
):
    monkeypatch.delenv(hardware.HUGE_PAGES_VARIABLE, raising=False)
    monkeypatch.delenv(hardware.NUMPY_HUGE_PAGES_VARIABLE, raising=False)
    hardware.choose_huge_pages()
    assert os.environ[hardware.HUGE_PAGES_VARIABLE] == "1"
    assert hardware._numpy_huge_pages(True) is False  # it was off
    # A user's choice is kept, for both.
    monkeypatch.setenv(hardware.HUGE_PAGES_VARIABLE, "0")
    monkeypatch.setenv(hardware.NUMPY_HUGE_PAGES_VARIABLE, "1")
    hardware.choose_huge_pages()
    assert os.environ[hardware.HUGE_PAGES_VARIABLE] == "0"
    assert hardware._numpy_huge_pages(True) is True  # left on


def test_the_program_chooses_page_sizes_first(monkeypatch, tmp_path, numpy_pages):
    from dense_direction.cli.main import main

    monkeypatch.delenv(hardware.HUGE_PAGES_VARIABLE, raising=False)
    monkeypatch.delenv(hardware.NUMPY_HUGE_PAGES_VARIABLE, raising=False)
    main(["synth", "--out", str(tmp_path / "d"), "--num", "1", "--size", "16", "--jobs", "1"])
    assert os.environ[hardware.HUGE_PAGES_VARIABLE] == "1"
    assert hardware._numpy_huge_pages(True) is False


_THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
_FAULTS = """
import resource, sys
from dense_direction.hardware import choose_huge_pages
choose_huge_pages()
import torch
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = torch.ones(64, 1024, 1024)  # 256 MB, touched once
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(
    not _THP.is_file() or "[never]" in _THP.read_text(), reason="no transparent huge pages"
)
def test_huge_pages_cut_the_page_faults_of_a_large_tensor():
    # 256 MB in 4 KB pages is 65,536 first-touch faults; in 2 MB pages, 128 (plus the
    # allocator's own). Off (the variable set to 0) vs on: at least 4 times fewer.
    def faults(value: str | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != hardware.HUGE_PAGES_VARIABLE}
        if value is not None:
            env[hardware.HUGE_PAGES_VARIABLE] = value
        out = subprocess.run([sys.executable, "-c", _FAULTS], env=env, capture_output=True)
        return int(out.stdout)

    off, on = faults("0"), faults(None)
    assert off > 60_000 and on * 4 < off, (off, on)


_REUSE = """
import resource, sys
import numpy as np
from dense_direction.hardware import reuse_freed_memory
print(reuse_freed_memory())
np._core.multiarray._set_madvise_hugepage(False)  # 4 KB pages: faults count pages
np.ones(16 * 1024 * 1024, np.float32)  # 64 MB, freed at once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(16 * 1024 * 1024, np.float32)  # the same size again
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
@pytest.mark.parametrize("variable", [None, "MALLOC_MMAP_MAX_"])
def test_freed_memory_is_reused_unless_the_environment_says_otherwise(variable):
    # 64 MB mapped afresh is 16,384 first-touch faults of 4 KB; reused from the heap, none.
    env = {k: v for k, v in os.environ.items() if k not in hardware.GLIBC_MALLOC_VARIABLES}
    if variable:
        env[variable] = "65536"  # glibc's own default, set by the user: left alone
    out = subprocess.run([sys.executable, "-c", _REUSE], env=env, capture_output=True, text=True)
    applied, faults = out.stdout.split()
    assert applied == str(variable is None), out.stderr
    if variable is None:
        assert int(faults) < 1000
    else:
        assert int(faults) > 10000
