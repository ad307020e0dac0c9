"""A client report as a PDF (reportlab): the agency's logo and name, the headline figures
beside last month's, the charts (PNG from portal.services.reports.charts) each followed by
its numbers as a table. One A4 page where it fits."""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from portal.selectors.reports.figures import ClientReport, Row
from portal.services.reports import charts

_GRID = TableStyle([
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#555555")),
    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#999999")),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dddddd")),
    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
])


def _rows_table(rows: list[Row], *, first: str, month: str, previous: str, width: float) -> Table:
    data = [[first, month, previous, "Change"]]
    data += [[Paragraph(escape(row.label), _small()), row.current_text, row.previous_text, row.change_text]
             for row in rows]
    table = Table(data, colWidths=[width * 0.52, width * 0.16, width * 0.16, width * 0.16], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _small():
    style = getSampleStyleSheet()["BodyText"]
    style.fontSize, style.leading = 8, 10
    return style


def _image(png: bytes, width: float) -> Image:
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def _logo_png(logo: bytes | None) -> bytes | None:
    """The agency's logo as a PNG (any type Pillow reads), or None for none or a broken one:
    a logo never breaks the report."""
    if not logo:
        return None
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(logo)) as image:
            image.load()
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG")
            return out.getvalue()
    except Exception:  # noqa: BLE001 - Pillow raises several kinds for broken images
        return None


def report_pdf(*, report: ClientReport, agency_name: str, logo: bytes | None = None) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    month = report.month.strftime("%B %Y")
    previous = report.previous.first_day.strftime("%B %Y")
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=f"{report.subject.name}: {month}", author=agency_name)
    width = doc.width
    story = []
    header = [Paragraph(f"<b>{escape(agency_name)}</b>", styles["Heading2"])]
    logo_png = _logo_png(logo)
    if logo_png:
        header.insert(0, _image(logo_png, 24 * mm))
    story.append(Table([header], colWidths=[28 * mm, width - 28 * mm] if len(header) == 2 else [width],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])))
    story.append(Paragraph(f"{escape(report.subject.name)}: {month}"
                           + ("" if report.complete else " (so far)"), styles["Title"]))
    story.append(Paragraph(f"Beside {previous}. Sites: {escape(', '.join(report.subject.domains))}.", _small()))
    story.append(Spacer(0, 3 * mm))
    story.append(_rows_table(report.headline, first="Figure", month=month, previous=previous, width=width))
    if report.outcome_rows:
        story.append(Spacer(0, 3 * mm))
        story.append(_rows_table(report.outcome_rows, first="Leads", month=month, previous=previous, width=width))
        story.append(Paragraph(escape(report.outcome_note), _small()))
    story.append(Spacer(0, 4 * mm))
    story.append(KeepTogether([Paragraph("Submissions per day", styles["Heading4"]),
                               _image(charts.days_chart(report, fmt="png"), width)]))
    days = [(d, n, s) for d, n, s in report.current.days]
    half = (len(days) + 1) // 2
    day_rows = [["Day", "Submissions", "Spam", "Day", "Submissions", "Spam"]]
    for i in range(half):
        left = days[i]
        right = days[i + half] if i + half < len(days) else None
        day_rows.append([left[0].strftime("%a %-d"), f"{left[1]:,}", f"{left[2]:,}"]
                        + ([right[0].strftime("%a %-d"), f"{right[1]:,}", f"{right[2]:,}"] if right else ["", "", ""]))
    table = Table(day_rows, colWidths=[width / 6] * 6, repeatRows=1)
    table.setStyle(_GRID)
    story.append(table)
    for title, rows, first in (("Per form", report.forms, "Form"), ("Per site", report.sites, "Site"),
                               ("Pages that brought them", report.pages, "Page")):
        if rows:
            story.append(Spacer(0, 3 * mm))
            story.append(KeepTogether([Paragraph(title, styles["Heading4"]),
                                       _rows_table(rows, first=first, month=month, previous=previous, width=width)]))
    doc.build(story)
    return out.getvalue()
