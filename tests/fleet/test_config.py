"""FleetConfig from the environment: each variable read, bad values named in the error."""

from pathlib import Path

import pytest

from seraph_kernel.config import FleetConfig
from seraph_kernel.errors import InvalidArgument


def test_defaults_use_an_embedded_world_and_the_jupyter_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    config = FleetConfig.from_env({})
    assert config.sim_address is None
    assert config.seed == 42
    assert config.resolved_db_path == tmp_path / "data" / "seraph" / "seraph.sqlite"


def test_environment_variables_are_read(tmp_path):
    config = FleetConfig.from_env(
        {"SERAPH_SIM_SEED": "7", "SERAPH_SIM_ADDRESS": "127.0.0.1:10001", "SERAPH_DB": str(tmp_path / "x.db")}
    )
    assert (config.seed, config.sim_address, config.db_path) == (7, "127.0.0.1:10001", tmp_path / "x.db")


def test_overrides_win_over_the_environment(tmp_path):
    config = FleetConfig.from_env({"SERAPH_SIM_SEED": "7"}, seed=9, db_path=tmp_path / "y.db")
    assert config.seed == 9
    assert config.resolved_db_path == tmp_path / "y.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SERAPH_SIM_SEED", "forty-two"),
        ("SERAPH_SIM_SEED", "4.2"),
        ("SERAPH_SIM_ADDRESS", "localhost"),
        ("SERAPH_SIM_ADDRESS", "127.0.0.1:notaport"),
        ("SERAPH_SIM_ADDRESS", "127.0.0.1:70000"),
        ("SERAPH_SIM_ADDRESS", ":10001"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(InvalidArgument) as info:
        FleetConfig.from_env({name: value})
    assert str(info.value).startswith(f"{name}: ")
    assert repr(value) in str(info.value)


def test_db_pointing_at_a_directory_is_refused(tmp_path):
    with pytest.raises(InvalidArgument, match=r"SERAPH_DB: .* is a directory"):
        FleetConfig.from_env({"SERAPH_DB": str(tmp_path)})


def test_empty_variables_mean_unset():
    config = FleetConfig.from_env({"SERAPH_SIM_SEED": "", "SERAPH_SIM_ADDRESS": " ", "SERAPH_DB": ""})
    assert (config.seed, config.sim_address, config.db_path) == (42, None, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", "1"),
        ("script_memory_bytes", 0),
        ("script_budget_ms", -1),
        ("sim_address", "nohost"),
        ("console_bytes", 0),
        ("console_total_bytes", "64"),
        ("storage_entry_bytes", -1),
        ("storage_bot_bytes", 0),
        ("storage_global_bytes", 1.5),
        ("storage_total_bytes", True),
    ],
)
def test_bad_constructor_values_name_the_field(field, value):
    with pytest.raises(InvalidArgument, match=f"^{field}: "):
        FleetConfig(**{field: value})


def test_db_path_strings_become_paths():
    assert FleetConfig(db_path="/tmp/a.sqlite").db_path == Path("/tmp/a.sqlite")


def test_a_backoff_cap_below_its_start_is_refused():
    with pytest.raises(InvalidArgument, match=r"^reconnect_max_ms: "):
        FleetConfig(reconnect_initial_ms=500, reconnect_max_ms=100)
