"""The bundled model's Q8_0 copy made two ways: bench's own reader and writer
(`bench/engine/weights.py`) and llama.cpp's `gguf` package (GGUFReader, GGUFWriter and its
numpy Q4_1/Q8_0 quantisation). Both files must be the same bytes; the times are printed.

    pip install gguf==0.19.0 && python benchmarks/weights_gguf.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine.llama import default_model_path  # noqa: E402
from bench.engine.weights import requantize_q4_1_to_q8_0  # noqa: E402


def with_gguf(src: Path, dst: Path) -> None:
    from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
    from gguf.quants import dequantize, quantize

    reader = GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(dst, arch, use_temp_file=False)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        if name == "general.file_type":
            writer.add_uint32(name, 7)  # mostly Q8_0
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        if t.tensor_type == GGMLQuantizationType.Q4_1:
            q = quantize(dequantize(t.data, GGMLQuantizationType.Q4_1), GGMLQuantizationType.Q8_0)
            writer.add_tensor(t.name, q, raw_shape=q.shape, raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def with_bench(src: Path, dst: Path) -> None:
    with src.open("rb") as a, dst.open("wb") as b:
        requantize_q4_1_to_q8_0(a, b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    src = default_model_path()
    with tempfile.TemporaryDirectory() as tmp:
        digests = {}
        for name, make in (("bench", with_bench), ("gguf", with_gguf)):
            times = []
            for _ in range(args.repeat):
                out = Path(tmp) / f"{name}.gguf"
                start = time.perf_counter()
                make(src, out)
                times.append(time.perf_counter() - start)
            digests[name] = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
            print(f"{name:6} {min(times):6.2f} s best of {args.repeat} "
                  f"({', '.join(f'{t:.2f}' for t in times)}), sha256 {digests[name]}")
        print("same bytes" if len(set(digests.values())) == 1 else "DIFFERENT BYTES")


if __name__ == "__main__":
    main()
