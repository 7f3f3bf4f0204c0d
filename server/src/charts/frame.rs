//! What every framed chart shares: the SVG root, the frame plotters lays out, row bands,
//! the legend.

use super::*;

/// Runs plotters on a fresh SVG of `height`, lets `draw` add its marked data layer, and
/// wraps both in the accessible root. If plotters fails (it cannot when writing to a
/// string, but its API says it may), the chart keeps its title and summary and drops the
/// drawing.
pub(super) fn render(
    kind: &str,
    height: u32,
    text: &ChartText,
    draw: impl FnOnce(&SvgArea, &mut String) -> DrawResult,
) -> String {
    let mut plotted = String::new();
    let mut marks = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut plotted, (WIDTH, height)).into_drawing_area();
        draw(&root, &mut marks).and_then(|()| root.present())
    };
    let body = match result {
        Ok(()) => {
            let inner = plotted
                .find('>')
                .zip(plotted.rfind("</svg>"))
                .and_then(|(start, end)| plotted.get(start + 1..end))
                .unwrap_or("");
            format!("{inner}<g class=\"data\">{marks}</g>")
        }
        Err(error) => {
            tracing::error!(%error, kind, "drawing a chart failed");
            String::new()
        }
    };
    let id = chart_id(&[kind.as_bytes(), text.title.as_bytes(), text.summary.as_bytes(), body.as_bytes()]);
    let body = body.replace(ID_SLOT, &id);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart chart-{kind}" data-chart="{kind}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{body}</svg>"#,
        esc(text.title),
        esc(text.summary),
    )
}

/// White background and the title; returns the area under the title.
pub(super) fn frame<'a>(root: &SvgArea<'a>, title: &str) -> Result<SvgArea<'a>, DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    root.titled(&clean(title), font(TITLE_PX).color(&INK))
}

/// A plotters text style whose SVG `font-size` is `size_px`: the SVG backend divides the
/// size it is given by 1.24.
pub(super) fn font(size_px: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size_px * 1.24).into_font())
}

pub(super) fn style_mesh<X: Ranged, Y: Ranged>(
    mesh: &mut plotters::chart::MeshStyle<'_, '_, X, Y, SVGBackend<'_>>,
    text: &ChartText,
) {
    mesh.axis_style(AXIS)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .label_style(font(TEXT_PX).color(&INK))
        .axis_desc_style(font(TEXT_PX).color(&INK));
    if !text.x_label.is_empty() {
        mesh.x_desc(clean(text.x_label));
    }
    if !text.y_label.is_empty() {
        mesh.y_desc(clean(text.y_label));
    }
}

pub(super) type RowChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<FixedTicks, FixedTicks>>;

/// The frame of a chart with one horizontal band per row: x from `x_domain` with `ticks`,
/// y from 0 to the number of rows, without ticks.
pub(super) fn row_chart<'a, 'b>(
    area: &'a SvgArea<'b>,
    text: &ChartText,
    x_domain: (f64, f64),
    ticks: Vec<f64>,
    rows: usize,
) -> Result<RowChart<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    ChartBuilder::on(area)
        .margin(12)
        .margin_right(72)
        .x_label_area_size(64)
        .y_label_area_size(if text.y_label.is_empty() { 8 } else { 40 })
        .build_cartesian_2d(
            FixedTicks::new(x_domain.0..x_domain.1, ticks),
            FixedTicks::new(0.0..rows as f64, Vec::new()),
        )
}

/// A numeric axis with exactly the ticks given and no light grid lines. plotters'
/// `with_key_points` does the same but loses the label formatter on `f64` axes.
pub(super) struct FixedTicks {
    pub(super) scale: RangedCoordf64,
    pub(super) ticks: Vec<f64>,
}

impl FixedTicks {
    pub(super) fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        Self { scale: range.into(), ticks }
    }
}

impl Ranged for FixedTicks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.scale.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight() {
            KeyPointWeight::Bold => self.ticks.clone(),
            KeyPointWeight::Any => Vec::new(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.scale.range()
    }
}

/// The plot rectangle in SVG units and the data domain it shows, for placing the data
/// layer exactly where plotters put the axes.
pub(super) struct Plot {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
    pub(super) x_domain: (f64, f64),
    /// Data values at the bottom and the top of the plot.
    pub(super) y_domain: (f64, f64),
}

impl Plot {
    pub(super) fn of<X, Y>(
        chart: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
        x_domain: (f64, f64),
        y_domain: (f64, f64),
    ) -> Self
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let (left, bottom) = chart.backend_coord(&(x_domain.0, y_domain.0));
        let (right, top) = chart.backend_coord(&(x_domain.1, y_domain.1));
        Self {
            left: f64::from(left),
            right: f64::from(right),
            top: f64::from(top),
            bottom: f64::from(bottom),
            x_domain,
            y_domain,
        }
    }

    pub(super) fn x(&self, value: f64) -> f64 {
        let (from, to) = self.x_domain;
        self.left + (value - from) / (to - from) * (self.right - self.left)
    }

    pub(super) fn y(&self, value: f64) -> f64 {
        let (from, to) = self.y_domain;
        self.bottom + (value - from) / (to - from) * (self.top - self.bottom)
    }
}

/// One row of a bar chart: its name on top, its bar under it.
pub(super) struct RowBand {
    pub(super) top: f64,
    pub(super) bar_top: f64,
    pub(super) bar_h: f64,
}

impl RowBand {
    /// Row 0 is the top band; y counts bands up from the bottom of the plot.
    pub(super) fn new(plot: &Plot, row: usize, rows: usize) -> Self {
        let top = plot.y((rows - row) as f64);
        let bottom = plot.y((rows - row - 1) as f64);
        let bar_top = top + 26.0;
        Self { top, bar_top, bar_h: (bottom - 6.0 - bar_top).max(4.0) }
    }
}

pub(super) fn row_label(marks: &mut String, plot: &Plot, band: &RowBand, label: &str) {
    let _ = write!(
        marks,
        r#"<text class="row-label" data-label="{0}" x="{1}" y="{2}" font-size="{TEXT_PX}" fill="{INK_HEX}">{0}</text>"#,
        esc(label),
        px(plot.left + 2.0),
        px(band.top + 19.0),
    );
}

pub(super) fn suppressed(marks: &mut String, plot: &Plot, band: &RowBand, label: &str, words: &str) {
    let _ = write!(
        marks,
        r#"<text class="suppressed" data-label="{}" x="{}" y="{}" dominant-baseline="central" font-size="{TEXT_PX}" font-style="italic" fill="{MUTED_HEX}">{}</text>"#,
        esc(label),
        px(plot.left + 8.0),
        px(band.bar_top + band.bar_h / 2.0),
        esc(words),
    );
}

pub(super) struct LegendItem<'a> {
    /// `data-series` of the entry.
    pub(super) series: &'a str,
    pub(super) label: &'a str,
    pub(super) colour: &'static str,
    /// `Some` draws a line swatch (with this dash pattern), `None` a block.
    pub(super) dash: Option<&'static str>,
}

pub(super) const LEGEND_LEFT: f64 = 24.0;
pub(super) const LEGEND_SWATCH: f64 = 28.0;

/// Rough width of a legend entry: swatch, gap, text at about 0.6 em per character, gap.
pub(super) fn legend_item_width(item: &LegendItem) -> f64 {
    LEGEND_SWATCH + 8.0 + item.label.chars().count() as f64 * TEXT_PX * 0.6 + 24.0
}

/// Legend entries wrapped into rows across the width; their placement, top-left origin.
pub(super) fn legend_layout(items: &[LegendItem]) -> Vec<(f64, f64)> {
    let max_x = f64::from(WIDTH) - LEGEND_LEFT;
    let (mut x, mut y) = (LEGEND_LEFT, 0.0);
    items
        .iter()
        .map(|item| {
            let w = legend_item_width(item);
            if x > LEGEND_LEFT && x + w > max_x {
                x = LEGEND_LEFT;
                y += LEGEND_ROW_H;
            }
            let at = (x, y);
            x += w;
            at
        })
        .collect()
}

pub(super) fn legend_height(items: &[LegendItem]) -> f64 {
    legend_layout(items).last().map_or(0.0, |(_, y)| y + LEGEND_ROW_H + 8.0)
}

pub(super) fn draw_legend(marks: &mut String, items: &[LegendItem], origin: (i32, i32), lines: bool) {
    let top = f64::from(origin.1) + 4.0;
    for (item, (x, y)) in items.iter().zip(legend_layout(items)) {
        let mid = top + y + LEGEND_ROW_H / 2.0;
        let _ = write!(marks, r#"<g class="legend-item" data-series="{}">"#, esc(item.series));
        if lines {
            let _ = write!(
                marks,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>"#,
                px(x),
                px(mid),
                px(x + LEGEND_SWATCH),
                px(mid),
                item.colour,
                dash_attr(item.dash),
            );
        } else {
            // The hatch needs an edge to read as a block on the white page.
            let edge = if item.colour == HIDDEN_FILL { format!(r#" stroke="{HIDDEN_INK}""#) } else { String::new() };
            let _ = write!(
                marks,
                r#"<rect x="{}" y="{}" width="{}" height="16" fill="{}"{edge}/>"#,
                px(x),
                px(mid - 8.0),
                px(LEGEND_SWATCH - 8.0),
                item.colour,
            );
        }
        let _ = write!(
            marks,
            r#"<text x="{}" y="{}" dominant-baseline="central" font-size="{TEXT_PX}" fill="{INK_HEX}">{}</text></g>"#,
            px(x + LEGEND_SWATCH + 8.0),
            px(mid),
            esc(item.label),
        );
    }
}
