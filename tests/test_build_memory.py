"""The build's memory budget: from the setting or a share of the machine, and held by every build step."""

from __future__ import annotations

from typing import cast

import duckdb
import pytest

from wijkzicht.warehouse import queries


class Recording:
    """A connection that notes the statements it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.statements = con, list[str]()

    def execute(self, sql: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        self.statements.append(sql)
        return self.con.execute(sql, parameters)


def test_an_aggregation_in_parts_gives_the_rows_of_one_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE points AS SELECT 'A' || (i % 7) AS code, i FROM range(100) t(i)")
    monkeypatch.setattr(queries, "ROWS_PER_PART", 30)  # 100 rows: 4 parts
    recording = Recording(con)
    queries.create_in_parts(
        cast(duckdb.DuckDBPyConnection, recording),
        "TABLE lists",
        "SELECT code, list_sort(list(i)) AS points FROM points WHERE {part} GROUP BY code",
        rows_of="points",
        key="code",
    )
    whole = "SELECT code, list_sort(list(i)) AS points FROM points GROUP BY code"
    assert [sql.split(" WHERE ")[1].split(" GROUP")[0] for sql in recording.statements[1:]] == [
        f"hash(code) % 4 = {part}" for part in range(4)
    ]
    assert con.execute(f"SELECT count(*) FROM (FROM lists EXCEPT ALL {whole})").fetchone() == (0,)
    assert con.execute(f"SELECT count(*) FROM ({whole} EXCEPT ALL FROM lists)").fetchone() == (0,)
