"""Users of larchd through the OFFICIAL Python client (apache-iotdb).

IoTDB's tree-model user statements run as SQL (CREATE USER name 'pw', ALTER
USER name SET PASSWORD 'pw', DROP USER name, LIST USER) and the users they
make log in through openSession. Expectations from IoTDB 2.0's behaviour
toward its clients: a wrong password and an unknown user both answer 801
(WRONG_LOGIN_PASSWORD) on open; LIST USER has one TEXT column "User" and no
time column; a user without privileges gets 803 for user management, may
change its own password, and sees only itself in LIST USER. Larch does not
model IoTDB's privileges otherwise: any user may read and write data.

Users live in the data directory: they survive a restart, and the
root_password setting only seeds the root user of a new directory.
"""
import contextlib

import pytest

from iotdb.Session import Session
from iotdb.utils.exception import StatementExecutionException
from server_helpers import Larchd

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@contextlib.contextmanager
def session(srv, user="root", password="root"):
    s = Session(srv.host, srv.port, user, password, zone_id="UTC")
    s.open(False)
    try:
        yield s
    finally:
        s.close()


def status_code(exc):
    """The IoTDB code a StatementExecutionException starts with ("<code>: <message>")."""
    head = str(exc.value).split(":", 1)[0]
    assert head.isdigit(), f"exception does not start with a status code: {exc.value}"
    return int(head)


def login_fails(srv, user, password):
    """Open a session that must be refused; return the status code."""
    s = Session(srv.host, srv.port, user, password, zone_id="UTC")
    with pytest.raises(StatementExecutionException) as e:
        s.open(False)
    assert not s.is_open()
    assert "Authentication failed" in str(e.value)
    return status_code(e)


def fails(s, sql):
    with pytest.raises(StatementExecutionException) as e:
        s.execute_non_query_statement(sql)
    return status_code(e)


def list_users(s):
    with s.execute_query_statement("LIST USER") as ds:
        assert ds.get_column_names() == ["User"]
        assert [t.name for t in ds.get_column_types()] == ["TEXT"]
        names = []
        while ds.has_next():
            names.append(ds.next().get_fields()[0].get_string_value())
    return names


def test_created_user_logs_in_and_works(larchd):
    with session(larchd) as root:
        root.execute_non_query_statement("CREATE USER ln_write_user 'write_pwd'")
        assert list_users(root) == ["ln_write_user", "root"]
    with session(larchd, "ln_write_user", "write_pwd") as s:
        s.execute_non_query_statement("CREATE DATABASE root.users_ln")
        s.execute_non_query_statement(
            "CREATE TIMESERIES root.users_ln.d.s WITH DATATYPE=INT64, ENCODING=PLAIN")
        s.execute_non_query_statement("INSERT INTO root.users_ln.d(time, s) VALUES (7, 42)")
        with s.execute_query_statement("SELECT s FROM root.users_ln.d") as ds:
            rec = ds.next()
            assert (rec.get_timestamp(), rec.get_fields()[0].get_long_value()) == (7, 42)
        assert list_users(s) == ["ln_write_user"]   # without privileges: only itself


def test_wrong_password_and_unknown_user(larchd):
    with session(larchd) as root:
        root.execute_non_query_statement("CREATE USER pw_user 'right_pwd'")
    assert login_fails(larchd, "pw_user", "wrong_pwd") == 801
    assert login_fails(larchd, "pw_user", "") == 801
    assert login_fails(larchd, "no_such_user", "right_pwd") == 801
    assert login_fails(larchd, "root", "right_pwd") == 801
    with session(larchd, "pw_user", "right_pwd"):
        pass


def test_dropped_user_cannot_log_in(larchd):
    with session(larchd) as root:
        root.execute_non_query_statement("CREATE USER gone_user 'gone_pwd'")
        with session(larchd, "gone_user", "gone_pwd"):
            pass
        root.execute_non_query_statement("DROP USER gone_user")
        assert "gone_user" not in list_users(root)
        assert fails(root, "DROP USER gone_user") == 804
        assert fails(root, "DROP USER root") == 803
    assert login_fails(larchd, "gone_user", "gone_pwd") == 801


def test_user_management_needs_root(larchd):
    with session(larchd) as root:
        root.execute_non_query_statement("CREATE USER plain_user 'plain_pwd'")
        root.execute_non_query_statement("CREATE USER other_user 'other_pwd'")
    with session(larchd, "plain_user", "plain_pwd") as s:
        assert fails(s, "CREATE USER sneaky 'sneaky_pwd'") == 803
        assert fails(s, "DROP USER other_user") == 803
        assert fails(s, "ALTER USER root SET PASSWORD 'hijacked'") == 803
        s.execute_non_query_statement("ALTER USER plain_user SET PASSWORD 'plain_pwd2'")
    assert login_fails(larchd, "plain_user", "plain_pwd") == 801
    with session(larchd, "plain_user", "plain_pwd2"):
        pass
    with session(larchd) as root:   # root's password is untouched
        assert "sneaky" not in list_users(root)
        assert fails(root, "CREATE USER plain_user 'plain_pwd'") == 805
        assert fails(root, "CREATE USER short_pw 'pwd'") == 303  # IoTDB 2.0: ILLEGAL_PARAMETER
        assert fails(root, "ALTER USER nobody_here SET PASSWORD 'plain_pwd'") == 804


def test_users_survive_restart_and_root_password_seeds_new_dirs(tmp_path):
    srv = Larchd(tmp_path, {"root_password": "s3cret!!"})
    try:
        assert login_fails(srv, "root", "root") == 801
        with session(srv, "root", "s3cret!!") as root:
            root.execute_non_query_statement("CREATE USER kept_user 'kept_pwd'")
    finally:
        srv.stop_and_check()
    # the same directory, another root_password: the stored users win
    srv = Larchd(tmp_path, {"root_password": "other_pw"})
    try:
        assert login_fails(srv, "root", "other_pw") == 801
        with session(srv, "root", "s3cret!!") as root:
            assert list_users(root) == ["kept_user", "root"]
        with session(srv, "kept_user", "kept_pwd"):
            pass
    finally:
        srv.stop_and_check()
