"""Griffe extensions for the API reference of the documentation site.

`KerasExampleSections` renders Keras-style `Example:` blocks as Examples
sections; `ExportShadowedNames` documents functions that share the name of the
module defining them (see `export_shadowed_names`).

Our docstrings follow Keras: an `Example:` line, a blank line, then unindented
doctest lines (`>>> ...`) or a fenced code block. Griffe's Google parser only
takes an *indented* block right below the title as a section, so without this
extension the lines would render as Markdown text, where `>>>` is a nested
quote. This rewrites such a block into a Google `Examples:` section (indented,
no blank line below the title), which mkdocstrings renders as highlighted
Python console code. Docstrings are not changed on disk.

Both are used from `mkdocs.yml` (`extensions: [docs/griffe_extensions.py]`).
"""

import re

import griffe

_TITLE = re.compile(r"^Examples?:\s*$")
# A Google or Keras section title at column 0 that ends an example block.
_NEXT_SECTION = re.compile(
    r"^(Args|Arguments|Returns|Yields|Raises|Input shape|Output shape|"
    r"Call arguments|Attributes|Notes?|References?|Warnings?):\s*$"
)


def rewrite_examples(text):
    """Returns `text` with each Keras-style `Example:` block made a section.

    Args:
        text: str. A cleaned docstring (as `inspect.cleandoc` gives it).

    Returns:
        str. The docstring with every unindented block below an `Example:` or
        `Examples:` title indented by four spaces under an `Examples:` title.
        Blocks that are already indented are left as they are.
    """
    lines = text.split("\n")
    out = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not _TITLE.match(line):
            out.append(line)
            index += 1
            continue
        body_start = index + 1
        while body_start < len(lines) and not lines[body_start].strip():
            body_start += 1
        if body_start == len(lines) or lines[body_start].startswith(" "):
            out.append(line)  # Empty, or already a Google section.
            index += 1
            continue
        end = body_start
        while end < len(lines) and not _NEXT_SECTION.match(lines[end]):
            end += 1
        body = lines[body_start:end]
        while body and not body[-1].strip():
            body.pop()
        out.append("Examples:")
        out.extend(
            f"    {body_line}" if body_line.strip() else "" for body_line in body
        )
        if end < len(lines):
            out.append("")
        index = end
    return "\n".join(out)


class KerasExampleSections(griffe.Extension):
    """Makes Keras-style `Example:` blocks Google `Examples:` sections."""

    def on_instance(self, *, node, obj, agent, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = rewrite_examples(obj.docstring.value)


def export_shadowed_names(package):
    """Makes exported names that share their module's name point to the object.

    `keras_smalldata/data/__init__.py` does `from .mixup import mixup`: at run
    time `keras_smalldata.data.mixup` is the function, but griffe keeps the
    submodule under that name, so the API page of the subpackage would skip
    the function. For every name in a subpackage's `__all__` that griffe holds
    as a submodule defining an object of the same name, this puts an alias to
    that object in its place, as Python does.

    Args:
        package: `griffe.Module`. The loaded top-level package.

    Returns:
        list of str. The paths of the names replaced.
    """
    modules = _modules(package)
    shadowed = []
    for module in modules:
        for name in module.exports or ():
            if not isinstance(name, str):
                continue  # An expression griffe could not evaluate.
            member = module.members.get(name)
            if member is None or member.is_alias or not member.is_module:
                continue
            target = member.members.get(name)
            if target is not None and not target.is_module:
                shadowed.append((module, name, member, target))
    # Other aliases reach objects through the submodule's path (the class
    # `DiscriminativeOptimizer` through `transfer.discriminative_optimizer`):
    # resolve them while that path still leads to the submodule.
    prefixes = tuple(f"{submodule.path}." for _, _, submodule, _ in shadowed)
    for module in modules:
        for member in module.members.values():
            if member.is_alias and member.target_path.startswith(prefixes):
                member.resolve_target()
    for module, name, _, target in shadowed:
        module.set_member(name, griffe.Alias(name, target, parent=module))
    return [f"{module.path}.{name}" for module, name, _, _ in shadowed]


def _modules(package):
    """The package and all its submodules, loaded by griffe."""
    modules, pending = [], [package]
    while pending:
        module = pending.pop()
        modules.append(module)
        pending.extend(
            member
            for member in module.members.values()
            if not member.is_alias and member.is_module
        )
    return modules


class ExportShadowedNames(griffe.Extension):
    """Runs `export_shadowed_names` on the loaded package."""

    def on_package(self, *, pkg, loader, **kwargs):
        export_shadowed_names(pkg)
