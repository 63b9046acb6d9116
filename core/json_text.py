"""JSON text indented by one space, as the open data's documents are written: character for
character what `json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)` writes,
several times quicker. With an indent, the standard library leaves its C encoder for one in
Python that yields every bracket, separator and value from nested generators: on a
partnership's data.json (hundreds of activities) most of the response's time. Here the strings
still go through the C escaper, into one list joined once.
"""

from json.encoder import encode_basestring

from django.core.serializers.json import DjangoJSONEncoder

_default = DjangoJSONEncoder().default
_INFINITY = float("inf")


def _float(value):
    # As json.encoder's floatstr() with allow_nan (the default).
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key):
    # As json.encoder's _iterencode_dict(): the same types, tested in the same order.
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


# The plain scalars, by their exact type (most values): written without the tests below.
_SCALARS = {
    str: encode_basestring,
    int: int.__repr__,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
    float: _float,
}


def _write(value, out, newline):
    scalar = _SCALARS.get(type(value))
    if scalar is not None:
        out.append(scalar(value))
    # The types tested in json.encoder's order (True before int: a bool is an int).
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + " "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _write(item, out, inner)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + " "
        separator = "{" + inner
        for key, item in value.items():
            key = encode_basestring(key if type(key) is str else _key(key))
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(f"{separator}{key}: {scalar(item)}")
            else:
                out.append(f"{separator}{key}: ")
                _write(item, out, inner)
            separator = "," + inner
        out.append(newline + "}")
    else:
        _write(_default(value), out, newline)


def dumps_indented(value):
    """json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)."""
    out = []
    _write(value, out, "\n")
    return "".join(out)
