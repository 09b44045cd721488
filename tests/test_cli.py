import shutil
import subprocess
import sys

import pytest

import keras_smalldata
from keras_smalldata.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"keras-smalldata {keras_smalldata.__version__}\n"


def test_no_subcommand_prints_help_and_returns_0(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: keras-smalldata")
    assert "--version" in out


def test_unknown_subcommand_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err


def test_import_does_not_load_tensorflow():
    code = "import sys, keras_smalldata.cli; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_console_script_version():
    executable = shutil.which("keras-smalldata")
    assert executable is not None, "console script `keras-smalldata` not installed"
    result = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"keras-smalldata {keras_smalldata.__version__}\n"
