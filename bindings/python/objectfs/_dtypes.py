"""The safetensors dtypes and their numpy / torch equivalents. A dtype a
framework lacks (numpy has no bfloat16 or float8; torch < 2.1 has no float8,
torch < 2.3 no uint16/32/64) is a ValueError naming the tensor and a way out."""

# Format name -> bytes per element (the library checks the same table).
SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "C64": 8, "F64": 8, "I64": 8, "U64": 8,
}

_NUMPY = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "<i2", "U16": "<u2", "F16": "<f2",
    "I32": "<i4", "U32": "<u4", "F32": "<f4", "C64": "<c8", "F64": "<f8", "I64": "<i8",
    "U64": "<u8",
}

_TORCH = {
    "BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "int16", "U16": "uint16",
    "F16": "float16", "BF16": "bfloat16", "I32": "int32", "U32": "uint32", "F32": "float32",
    "C64": "complex64", "F64": "float64", "I64": "int64", "U64": "uint64",
    "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2", "F8_E8M0": "float8_e8m0fnu",
}


def numpy_dtype(name, tensor):
    import numpy

    spelled = _NUMPY.get(name)
    if spelled is None:
        raise ValueError(f"tensor {tensor!r} has dtype {name}, which numpy cannot represent; "
                         "load it with framework='pt'")
    return numpy.dtype(spelled)


def torch_dtype(name, tensor):
    import torch

    dtype = getattr(torch, _TORCH.get(name, ""), None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"tensor {tensor!r} has dtype {name}, which torch {torch.__version__} "
                         "does not support; load it with framework='np' if numpy has it, or use "
                         "a newer torch")
    return dtype


def name_of(dtype):
    """The format's name for a numpy or torch dtype (ValueError if none)."""
    try:
        import torch

        if isinstance(dtype, torch.dtype):
            for name, attr in _TORCH.items():
                if getattr(torch, attr, None) == dtype:
                    return name
            raise ValueError(f"torch dtype {dtype} has no safetensors equivalent")
    except ImportError:
        pass
    import numpy

    dtype = numpy.dtype(dtype)
    for name, spelled in _NUMPY.items():
        if numpy.dtype(spelled) == dtype.newbyteorder("<") or numpy.dtype(spelled) == dtype:
            return name
    raise ValueError(f"numpy dtype {dtype} has no safetensors equivalent")
