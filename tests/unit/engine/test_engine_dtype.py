"""The CPU build's dtype: BF16 only where the CPU has BF16 instructions, FP32 where vLLM would emulate them."""

from __future__ import annotations

from codepal.engine.device import native_bf16, resolve_dtype

# The first lines of /proc/cpuinfo on the machines named (flags shortened to what matters and a few more).
AVX2_ONLY = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
flags\t\t: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 avx f16c avx2 bmi2
"""
SAPPHIRE_RAPIDS = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8
"""
GRAVITON3 = """processor\t: 0
BogoMIPS\t: 2100.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm bf16 i8mm
"""


def test_an_avx2_only_cpu_gets_float32() -> None:
    assert not native_bf16(AVX2_ONLY)
    assert resolve_dtype("auto", "cpu", AVX2_ONLY) == "float32"


def test_cpus_with_bf16_instructions_keep_bfloat16() -> None:
    for cpuinfo in (SAPPHIRE_RAPIDS, GRAVITON3):
        assert native_bf16(cpuinfo)
        assert resolve_dtype("auto", "cpu", cpuinfo) == "bfloat16"


def test_an_unreadable_cpuinfo_keeps_vllms_default() -> None:
    assert native_bf16("") and native_bf16("processor\t: 0\n")


def test_cuda_and_a_chosen_dtype_are_untouched() -> None:
    assert resolve_dtype("auto", "cuda", AVX2_ONLY) == "half"
    assert resolve_dtype("bfloat16", "cpu", AVX2_ONLY) == "bfloat16"
    assert resolve_dtype("half", "cpu", SAPPHIRE_RAPIDS) == "half"
