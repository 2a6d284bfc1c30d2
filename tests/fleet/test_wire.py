"""Seraph's errors cross an actor boundary as themselves: class, message, REST status and
fields (their constructors take other arguments than ``Exception.args``, so plain pickling
would not rebuild them)."""

from __future__ import annotations

import pickle

import pytest

from seraph_kernel.errors import ActionError, InvalidArgument, SeraphError, StorageQuotaExceeded, UnknownBot
from seraph_kernel.fleet.wire import answer, pack_error, result, unpack_error
from seraph_kernel.store import StoreError


@pytest.mark.parametrize(
    "err",
    [
        UnknownBot("bot-9"),
        InvalidArgument("restart", "expected one of no, on-failure", command="seraph_execute"),
        ActionError("WORLD_FULL"),
        StorageQuotaExceeded("global scope over 10 bytes", "storage_global_bytes"),
        StoreError("database is locked"),
    ],
)
def test_an_error_comes_back_as_itself(err):
    back = unpack_error(pickle.loads(pickle.dumps(pack_error(err))))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.http_status == err.http_status
    assert vars(back) == vars(err)


def test_other_exceptions_become_a_plain_seraph_error_naming_them():
    back = unpack_error(pack_error(ZeroDivisionError("division by zero")))
    assert type(back) is SeraphError
    assert str(back) == "ZeroDivisionError: division by zero"


def test_a_packed_error_cannot_name_a_class_outside_the_error_modules():
    back = unpack_error(("os", "system", ("echo",), {}))
    assert type(back) is SeraphError


def test_answer_and_result_round_trip():
    assert result(answer(lambda: {"ok": True})) == {"ok": True}
    with pytest.raises(UnknownBot, match="unknown bot: bot-3"):
        result(answer(lambda: (_ for _ in ()).throw(UnknownBot("bot-3"))))
