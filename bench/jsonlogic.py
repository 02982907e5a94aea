"""The criteria language translated to JsonLogic, so that json-logic evaluates exactly the same
criteria as the engine. A null guard precedes every comparison (JsonLogic in Python would
raise on `None < 4`; our language makes such a comparison false)."""

from intake.rules import syntax, tree


def to_jsonlogic(expression: str):
    return _node(syntax.parse(expression))


def _node(node):
    if isinstance(node, tree.Name):
        return {"var": node.name}
    if isinstance(node, tree.Literal):
        return list(node.value) if node.kind == "list" else node.value
    if isinstance(node, tree.Not):
        return {"!": [_node(node.operand)]}
    if isinstance(node, tree.BoolOp):
        return {node.op: [_node(operand) for operand in node.operands]}
    if isinstance(node, tree.NullTest):
        return {"!=" if node.negated else "==": [_node(node.operand), None]}
    if isinstance(node, tree.Membership):
        test = {
            "and": [*_guards([node.container]), {"in": [_node(node.item), _node(node.container)]}]
        }
        return {"!": [test]} if node.negated else test
    if isinstance(node, tree.Compare):
        parts = list(_guards(node.operands))
        for (left, right), op in zip(
            zip(node.operands[:-1], node.operands[1:], strict=True), node.ops, strict=True
        ):
            parts.append({op: [_node(left), _node(right)]})
        return {"and": parts}
    raise TypeError(f"cannot translate {node!r}")


def _guards(operands):
    for operand in operands:
        if isinstance(operand, tree.Name):
            yield {"!=": [{"var": operand.name}, None]}
