"""Members files for the web import tests (valid rows in the base fixture's villages)."""

from registers.identity import id_check_char

HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号码",
    "联系电话",
    "所属村(居)代码",
    "所属小组",
    "会员类别",
    "入会日期",
    "文化程度",
    "职业",
]
VILLAGE_1 = "430121100201"
VILLAGE_B = "430124100201"  # the other county's village


def id_number(n: int, born: str = "19850305") -> str:
    first17 = f"430121{born}{n:03d}"
    return first17 + id_check_char(first17)


def member_row(n: int, **values) -> list[str]:
    row = {
        "姓名": f"会员{n}",
        "性别": "男" if n % 2 else "女",
        "出生日期": "1985-03-05",
        "身份证号码": id_number(n),
        "联系电话": f"138{n:08d}",
        "所属村(居)代码": VILLAGE_1,
        "所属小组": "第一小组",
        "会员类别": "五老、致富能手",
        "入会日期": "2020-01-01",
        "文化程度": "初中",
        "职业": "农民",
    }
    row.update(values)
    return [row[h] for h in HEADER]


def members_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def batches_of(monkeypatch, size: int) -> None:
    """Make the members' importer work in batches of `size` rows (both places that read it)."""
    from registers.imports import members, running

    for module in (running, members):
        monkeypatch.setattr(module, "BATCH_SIZE", size)
