"""JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one testcase per flow.

The dialect is the common denominator those tools read: `<testsuites><testsuite><testcase>` with
`<failure>` for a failed assertion and `<error>` for a flow that could not run (no browser, the model
server down), so a broken setup is not reported as a failing product.
"""

from __future__ import annotations

import io
import os
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from anyres_agent.agent.trajectory import atomic_write

Outcome = Literal["passed", "failed", "error"]


@dataclass
class CaseResult:
    """The outcome of one flow as a test case."""

    name: str
    classname: str
    seconds: float
    outcome: Outcome = "passed"
    message: str = ""
    details: str = ""
    output: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    file: str = ""
    """The test's source file (GitLab and other viewers link to it)."""
    attachments: list[str] = field(default_factory=list)
    """Files shown with the case (a failed step's screenshot), as `[[ATTACHMENT|path]]` lines in
    system-out: the convention GitLab and the Jenkins JUnit attachments plugin read."""


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control bytes from a model's answer would break the file)."""
    return (
        "".join(c for c in text if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0x10FFFF)
        .replace("\ufffe", "")
        .replace("\uffff", "")
    )


def build_junit(cases: list[CaseResult], *, suite: str = "agent test") -> ET.ElementTree:
    failures = sum(c.outcome == "failed" for c in cases)
    errors = sum(c.outcome == "error" for c in cases)
    total = sum(c.seconds for c in cases)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", {"name": suite, **counts, "time": f"{total:.3f}"})
    node = ET.SubElement(
        root,
        "testsuite",
        {
            "name": suite,
            **counts,
            "time": f"{total:.3f}",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "hostname": socket.gethostname(),
        },
    )
    for case in cases:
        attributes = {"name": _clean(case.name), "classname": _clean(case.classname)}
        if case.file:
            attributes["file"] = _clean(case.file)
        element = ET.SubElement(node, "testcase", {**attributes, "time": f"{case.seconds:.3f}"})
        if case.properties:
            props = ET.SubElement(element, "properties")
            for key, value in sorted(case.properties.items()):
                ET.SubElement(props, "property", {"name": _clean(key), "value": _clean(value)})
        if case.outcome != "passed":
            tag = "failure" if case.outcome == "failed" else "error"
            kind = "AssertionError" if case.outcome == "failed" else "FlowError"
            problem = ET.SubElement(element, tag, {"message": _clean(case.message[:1000]), "type": kind})
            problem.text = _clean(case.details or case.message)
        output = "\n".join([case.output, *(f"[[ATTACHMENT|{path}]]" for path in case.attachments)]).strip()
        if output:
            ET.SubElement(element, "system-out").text = _clean(output)
    ET.indent(root, space="  ")
    return ET.ElementTree(root)


def write_junit(path: str | os.PathLike[str], cases: list[CaseResult], *, suite: str = "agent test") -> Path:
    """Write the report atomically, so a CI job that is killed never uploads half a file."""
    target = Path(path)
    buffer = io.BytesIO()
    build_junit(cases, suite=suite).write(buffer, encoding="utf-8", xml_declaration=True)
    atomic_write(target, buffer.getvalue())
    return target
