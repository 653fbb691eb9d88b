#!/usr/bin/env python3
"""The widget's layer rule (docs/architecture.md): no module under src/ imports a higher layer,
and no file can reach itself through imports. Run from the repository root; exits 1 on any finding."""
import pathlib, re, sys

# Lower number = lower layer. A module may import only from its own layer or below.
# A new top-level module under src/ must be added here.
LAYERS = {"error": 0, "platform": 1, "widget": 2, "ui": 3, "api": 3, "parts": 4, "boot": 5}

src = pathlib.Path("src")
files = {}
for path in src.rglob("*.rs"):
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts.pop()
    if path.name != "tests.rs":
        files[tuple(parts)] = path

def resolve(parts):
    for n in range(len(parts), 0, -1):
        if tuple(parts[:n]) in files:
            return tuple(parts[:n])

edges = set()
for module, path in files.items():
    text = re.split(r"#\[cfg\([^\]]*test[^\]]*\)\]\s*mod tests", path.read_text())[0]
    text = re.sub(r"//[^\n]*", "", text)
    for kind, rest in re.findall(r"\b(crate|super)::((?:\w+::)*(?:\w+|\{[^}]*\}))", text):
        base = [] if kind == "crate" else list(module[:-1])
        group = re.match(r"(.*?)::\{(.*)\}$", rest, re.S)
        items = [group.group(1) + "::" + i.strip() for i in group.group(2).split(",") if i.strip()] if group else [rest]
        for item in items:
            target = resolve(base + [p for p in item.split("::") if p and p != "self"])
            if target and target[:len(module)] != module:
                edges.add((module, target))

name = lambda m: "::".join(m)
bad = False
for a, b in sorted(edges):
    if a[0] != b[0] and LAYERS.get(a[0], 9) < LAYERS.get(b[0], 9):
        print(f"upward import: {name(a)} -> {name(b)}"); bad = True

# Cycles: any file that can reach itself.
graph = {m: {b for a, b in edges if a == m} for m in files}
for start in sorted(files):
    seen, todo = set(), list(graph[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m); todo.extend(graph[m])
    if start in seen:
        print(f"in a cycle: {name(start)}"); bad = True
print(f"{len(files)} files, {len(edges)} imports")
sys.exit(1 if bad else 0)
