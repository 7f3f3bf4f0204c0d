#!/usr/bin/env python3
"""Rough breakdown of a WebAssembly module's code by Rust crate.

Reads the `name` section of a module that still has one (cargo's output before
wasm-bindgen and wasm-opt, e.g. target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm),
attributes each function body's size to the crate of its (demangled) name, and adds the
data segments as one line. Sizes are before wasm-opt, so they only show proportions.

  bench/wasm-crates.py FILE.wasm [--top N] [--owner app] [--functions N] [--grep TEXT]
With --owner app, generic code instantiated for app's types and closures (most of a
Leptos view's code lives in tachys and reactive_graph generics) is counted as app's.
"""
import re
import sys
from collections import Counter


def leb(b, i):
    result = shift = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i


def sections(b):
    assert b[:4] == b"\0asm", "not a WebAssembly module"
    i = 8
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        yield sid, b[j : j + size]
        i = j + size


def imported_functions(payload):
    n, i = leb(payload, 0)
    count = 0
    for _ in range(n):
        for _ in range(2):  # module, field
            length, i = leb(payload, i)
            i += length
        kind = payload[i]
        i += 1
        if kind == 0:
            _, i = leb(payload, i)
            count += 1
        elif kind == 1:  # table: reftype, limits
            i += 1
            flags, i = leb(payload, i)
            _, i = leb(payload, i)
            if flags & 1:
                _, i = leb(payload, i)
        elif kind == 2:  # memory: limits
            flags, i = leb(payload, i)
            _, i = leb(payload, i)
            if flags & 1:
                _, i = leb(payload, i)
        elif kind == 3:  # global: type, mutability
            i += 2
        elif kind == 4:  # tag
            i += 1
            _, i = leb(payload, i)
    return count


def body_sizes(payload):
    n, i = leb(payload, 0)
    sizes = []
    for _ in range(n):
        size, i = leb(payload, i)
        sizes.append(size)
        i += size
    return sizes


def function_names(payload):
    length, i = leb(payload, 0)
    if payload[i : i + length] != b"name":
        return None
    i += length
    names = {}
    while i < len(payload):
        sub = payload[i]
        size, i = leb(payload, i + 1)
        end = i + size
        if sub == 1:
            n, j = leb(payload, i)
            for _ in range(n):
                index, j = leb(payload, j)
                nl, j = leb(payload, j)
                names[index] = payload[j : j + nl].decode("utf-8", "replace")
                j += nl
        i = end
    return names


LEGACY = re.compile(r"^_?_ZN((?:\d+[^\d].*?)+)E$")


def demangle_path(name):
    """The path segments of a legacy-mangled Rust symbol, or the name as one segment."""
    m = re.match(r"^_?_ZN(.*)E$", name)
    if not m:
        return [name]
    s, out = m.group(1), []
    while s:
        d = re.match(r"^(\d+)", s)
        if not d:
            break
        n = int(d.group(1))
        s = s[len(d.group(1)) :]
        out.append(s[:n])
        s = s[n:]
    return out or [name]


V0_CRATE = re.compile(r"C(?:s[0-9A-Za-z]*_)?(\d+)")


def crate_of(name, owner=None):
    """The crate a function is counted under: `owner` (such as `app`) when the name
    mentions it anywhere (a generic instantiated for its types or closures), else the
    first crate in the name."""
    if owner and re.search(r"(?:^|[^A-Za-z0-9_])" + owner + r"(?:\.\.|::)", name):
        return owner
    if name.startswith("_R"):  # v0 mangling: the first crate root
        m = V0_CRATE.search(name)
        return name[m.end() : m.end() + int(m.group(1))] if m else name
    if name.startswith("__wbindgen_describe"):
        return "(wasm-bindgen descriptors: removed by wasm-bindgen)"
    if name.startswith("__wbindgen") or name.startswith("__wbg"):
        return "wasm_bindgen (glue)"
    parts = demangle_path(name)
    first = parts[0]
    if first.startswith("_$LT$"):
        inner = first[5:].replace("$u20$", " ")
        inner = re.sub(r"^(?:\$RF\$|\$BP\$|mut |dyn |\$LP\$|impl )+", "", inner)
        head = re.split(r"\.\.|\$| ", inner, maxsplit=1)[0]
        if len(head) <= 2 or head[0].isupper():  # a type parameter such as T, F, A
            m = re.search(r" as ([a-z_][a-z0-9_]*)\.\.", inner)
            return m.group(1) if m else head
        return head or first
    if re.fullmatch(r"h[0-9a-f]{16}", first):
        return "?"
    return first


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wasm")
    ap.add_argument("--top", type=int, default=25, help="crates listed (default 25)")
    ap.add_argument("--owner", help="count generics instantiated for this crate's types under it (e.g. app)")
    ap.add_argument("--functions", type=int, help="list the N biggest functions instead")
    ap.add_argument("--grep", help="only functions whose name contains this")
    a = ap.parse_args()
    path, top, functions = a.wasm, a.top, a.functions
    b = open(path, "rb").read()
    imports, sizes, names, data = 0, [], None, 0
    for sid, payload in sections(b):
        if sid == 2:
            imports = imported_functions(payload)
        elif sid == 10:
            sizes = body_sizes(payload)
        elif sid == 11:
            data = len(payload)
        elif sid == 0:
            names = function_names(payload) or names
    if not names:
        print(f"{path}: no name section (stripped: use cargo's output before wasm-bindgen)", file=sys.stderr)
        return 1
    by_crate, by_function = Counter(), Counter()
    for k, size in enumerate(sizes):
        name = names.get(imports + k, f"<function {imports + k}>")
        if a.grep and a.grep not in name:
            continue
        by_crate[crate_of(name, a.owner)] += size
        by_function[name] += size
    code = sum(sizes)
    total = code + data
    if functions:
        for name, size in by_function.most_common(functions):
            print(f"{size:>9,}  {crate_of(name, a.owner):<22} {name[:150]}")
        return 0
    print(f"{path}: {len(b):,} bytes; code {code:,} in {len(sizes):,} functions; data {data:,}")
    if a.grep:
        print(f"functions whose name contains {a.grep!r}: {sum(by_function.values()):,} bytes in {len(by_function):,}")
    print(f"{'crate':<28}{'bytes':>11}{'share':>8}")
    for crate, size in by_crate.most_common(top):
        print(f"{crate:<28}{size:>11,}{size / total:>8.1%}")
    print(f"{'(data segments)':<28}{data:>11,}{data / total:>8.1%}")
    rest = sum(s for _, s in by_crate.most_common()[top:])
    if rest:
        print(f"{'(other crates)':<28}{rest:>11,}{rest / total:>8.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
