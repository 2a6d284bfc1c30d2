"""jupyter_kernel_test's conformance suite with Lua samples."""

from __future__ import annotations

import unittest

import jupyter_kernel_test


class SeraphKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "seraph"
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'warn("a warning")'
    completion_samples = [
        {"text": "string.up", "matches": {"upper"}},
        {"text": "%lsm", "matches": {"%lsmagic"}},
    ]
    complete_code_samples = ["x = 1", "print(1)", "%lsmagic"]
    incomplete_code_samples = ["for i = 1, 3 do", "function f(a)", "t = {"]
    invalid_code_samples = ["x = = 1", "end end"]
    code_page_something = "getClient?"
    code_generate_error = 'error("boom")'
    code_execute_result = [
        {"code": "1 + 1", "result": "2"},
        {"code": '"hi" .. "!"', "result": '"hi!"'},
        {"code": "{1, 2}", "result": "{1, 2}"},
    ]
    code_display_data = [
        {"code": "display({a = 1})", "mime": "text/plain"},
        {"code": "display({a = 1})", "mime": "text/html"},
    ]
    code_history_pattern = "1 + *1"
    supported_history_operations = ("tail", "search")
    code_inspect_sample = "getClient"
    code_clear_output = "clear_output()"


if __name__ == "__main__":
    unittest.main()
