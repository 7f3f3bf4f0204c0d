//! The charts, parsed as XML: every mark where the convention puts it.

use super::*;
use roxmltree::{Document, Node};

const TEXT: ChartText = ChartText {
    title: "Índice de dignidad",
    x_label: "Semana",
    y_label: "Índice",
    summary: "Sube de 50 a 80 en cinco semanas.",
};

fn weeks(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("S{i:02}")).collect()
}

fn parse(svg: &str) -> Document<'_> {
    Document::parse(svg).expect("a chart is well-formed XML")
}

/// Elements whose `class` list holds `class`, in document order.
fn marked<'a, 'i>(doc: &'a Document<'i>, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.attribute("class").is_some_and(|c| c.split_whitespace().any(|c| c == class)))
        .collect()
}

fn num(node: &Node, attribute: &str) -> f64 {
    node.attribute(attribute)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{attribute} is a number on {node:?}"))
}

fn attr<'a>(node: &Node<'a, '_>, attribute: &str) -> &'a str {
    node.attribute(attribute).unwrap_or("")
}

fn text(node: &Node) -> String {
    node.text().unwrap_or("").trim().to_string()
}

/// The x (or y) of the axis label plotters drew with exactly `label`.
fn tick(doc: &Document, label: &str, attribute: &str) -> f64 {
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("text") && text(n) == label)
        .unwrap_or_else(|| panic!("an axis label {label:?}"));
    num(&node, attribute)
}

fn polyline_points(node: &Node) -> Vec<(f64, f64)> {
    attr(node, "points")
        .split_whitespace()
        .map(|pair| {
            let (x, y) = pair.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

fn one_station(points: Vec<Option<f64>>) -> Vec<Series<'static>> {
    vec![Series { label: "Comisaría Centro", points }]
}

#[test]
fn line_chart_draws_present_weeks_and_breaks_the_line_at_gaps() {
    let svg = index_line_chart(
        &weeks(5),
        &one_station(vec![Some(50.0), Some(60.0), None, Some(70.0), Some(80.0)]),
        None,
        &TEXT,
    );
    let doc = parse(&svg);

    let points = marked(&doc, "point");
    let labels = points.iter().map(|p| attr(p, "data-label")).collect::<Vec<_>>();
    assert_eq!(labels, ["S01", "S02", "S04", "S05"], "no point for the gap");
    let values = points.iter().map(|p| num(p, "data-value")).collect::<Vec<_>>();
    assert_eq!(values, [50.0, 60.0, 70.0, 80.0]);

    let lines = marked(&doc, "line");
    assert_eq!(lines.len(), 2, "the gap splits the line in two");
    let runs = lines.iter().map(polyline_points).collect::<Vec<_>>();
    assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
    // Each run goes through its points, and nothing is drawn in the gap.
    for (vertex, point) in runs.concat().iter().zip(&points) {
        assert!((vertex.0 - num(point, "cx")).abs() < 0.01);
        assert!((vertex.1 - num(point, "cy")).abs() < 0.01);
    }
    let gap_x = tick(&doc, "S03", "x");
    assert!(runs[0][1].0 < gap_x && gap_x < runs[1][0].0);
}

#[test]
fn a_lone_week_between_gaps_is_a_point_without_a_line() {
    let svg = index_line_chart(&weeks(3), &one_station(vec![None, Some(40.0), None]), None, &TEXT);
    let doc = parse(&svg);
    assert_eq!(marked(&doc, "point").len(), 1);
    assert!(marked(&doc, "line").is_empty());
}

#[test]
fn index_axis_runs_from_0_to_100_whatever_the_data() {
    let svg = index_line_chart(&weeks(3), &one_station(vec![Some(50.0), Some(55.0), Some(100.0)]), None, &TEXT);
    let doc = parse(&svg);
    let (y0, y100) = (tick(&doc, "0", "y"), tick(&doc, "100", "y"));
    let points = marked(&doc, "point");
    let at = |i: usize| num(&points[i], "cy");
    assert!((at(0) - (y0 + y100) / 2.0).abs() <= 1.0, "50 sits halfway");
    assert!((at(2) - y100).abs() <= 1.0, "100 sits on the top line");
}

#[test]
fn counts_are_written_under_drawn_weeks_only() {
    let svg = index_line_chart(
        &weeks(5),
        &one_station(vec![Some(50.0), Some(60.0), None, Some(70.0), Some(80.0)]),
        Some(&[Some(3), Some(4), Some(9), Some(5), None]),
        &TEXT,
    );
    let doc = parse(&svg);
    let counts = marked(&doc, "count");
    let shown = counts.iter().map(|c| (attr(c, "data-label"), text(c))).collect::<Vec<_>>();
    assert_eq!(shown, [("S01", "n=3".into()), ("S02", "n=4".into()), ("S04", "n=5".into())]);

    let points = marked(&doc, "point");
    let lowest_point = points.iter().map(|p| num(p, "cy")).fold(0.0, f64::max);
    for count in &counts {
        let point =
            points.iter().find(|p| attr(p, "data-label") == attr(count, "data-label")).expect("a point for the count");
        assert!((num(count, "x") - num(point, "cx")).abs() < 0.01, "under its point");
        assert!(num(count, "y") > tick(&doc, "0", "y").max(lowest_point), "under the axis");
    }
}

#[test]
fn several_series_get_a_legend_and_their_own_colours() {
    let series = [
        Series { label: "Centro", points: vec![Some(50.0), Some(60.0)] },
        Series { label: "Norte", points: vec![Some(70.0), Some(65.0)] },
    ];
    let svg = index_line_chart(&weeks(2), &series, None, &TEXT);
    let doc = parse(&svg);
    let legend = marked(&doc, "legend-item");
    let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
    assert_eq!(names, ["Centro", "Norte"]);
    let lines = marked(&doc, "line");
    assert_eq!(attr(&lines[0], "data-series"), "Centro");
    assert_eq!(attr(&lines[0], "stroke"), SERIES_COLOURS[0]);
    assert_eq!(attr(&lines[1], "stroke"), SERIES_COLOURS[1]);
    assert!(lines[1].attribute("stroke-dasharray").is_some(), "not told by colour alone");

    let single = index_line_chart(&weeks(2), &series[..1], None, &TEXT);
    assert!(marked(&parse(&single), "legend-item").is_empty());
}

#[test]
fn many_weeks_keep_the_latest_labelled() {
    let ticks = week_ticks(&weeks(52));
    assert!(ticks.len() < 52);
    assert_eq!(ticks.last(), Some(&51));
    assert_eq!(week_ticks(&weeks(6)), [0, 1, 2, 3, 4, 5]);
    assert!(week_ticks(&[]).is_empty());
}

#[test]
fn root_is_an_accessible_scalable_svg_with_escaped_text() {
    let tricky = ChartText {
        title: "Índice <&\"> 'x'",
        x_label: "a<b",
        y_label: "c&d",
        summary: "Resumen <b>no</b> & \"más\"\u{1}",
    };
    let series = [Series { label: "<Centro & \"Norte\">", points: vec![Some(1.0)] }];
    let charts = [
        index_line_chart(&weeks(1), &series, Some(&[Some(1)]), &tricky),
        stacked_bars(&[row("<p>", vec![Some(1), None], Some(3))], &["<&>".into()], "<suprimido>", &tricky),
        bars(&[("<&>".into(), None)], None, "\"x\" & <y>", &tricky),
    ];
    for svg in &charts {
        let doc = parse(svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
        assert_eq!(attr(&root, "role"), "img");
        assert_eq!(attr(&root, "width"), "100%");
        assert!(root.attribute("height").is_none(), "height follows the viewBox");
        assert!(attr(&root, "viewBox").starts_with("0 0 800 "));

        let title = root.first_element_child().expect("title first");
        assert!(title.has_tag_name("title"));
        assert_eq!(title.text(), Some(tricky.title));
        let desc = title.next_sibling_element().expect("desc second");
        assert!(desc.has_tag_name("desc"));
        assert_eq!(desc.text(), Some("Resumen <b>no</b> & \"más\""));
        let labelled_by = attr(&root, "aria-labelledby").split(' ').collect::<Vec<_>>();
        assert_eq!(labelled_by, [attr(&title, "id"), attr(&desc, "id")]);

        // The drawn title and labels read back as given.
        let texts = doc.descendants().filter(|n| n.has_tag_name("text")).map(|n| text(&n)).collect::<Vec<_>>();
        for expected in [tricky.title, "a<b", "c&d"] {
            assert!(texts.iter().any(|t| t == expected), "{expected:?} drawn");
        }
    }
    let line = parse(&charts[0]);
    assert_eq!(attr(&marked(&line, "point")[0], "data-series"), series[0].label);
    let stacked = parse(&charts[1]);
    let hidden = &marked(&stacked, "hidden-share")[0];
    assert_eq!(attr(hidden, "data-label"), "<p>");
    assert_eq!(text(&hidden.first_element_child().expect("a title")), "<suprimido>");
    let bar_chart = parse(&charts[2]);
    assert_eq!(text(&marked(&bar_chart, "suppressed")[0]), "\"x\" & <y>");
}

#[test]
fn same_input_gives_the_same_svg_and_different_charts_different_ids() {
    let draw = |title| {
        let text = ChartText { title, ..TEXT };
        index_line_chart(
            &weeks(4),
            &one_station(vec![Some(50.0), None, Some(70.0), Some(80.0)]),
            Some(&[Some(3), None, Some(5), Some(6)]),
            &text,
        )
    };
    assert_eq!(draw("A"), draw("A"));
    let rows = [row("P", vec![Some(1), None], Some(4))];
    let segments = ["a".to_string(), "b".to_string()];
    assert_eq!(stacked_bars(&rows, &segments, "-", &TEXT), stacked_bars(&rows, &segments, "-", &TEXT));
    let items = [("a".to_string(), Some(1.5))];
    assert_eq!(bars(&items, None, "-", &TEXT), bars(&items, None, "-", &TEXT));
    assert_eq!(sparkline(&[Some(1.0)], "t"), sparkline(&[Some(1.0)], "t"));

    let ids = [draw("A"), draw("B"), sparkline(&[Some(1.0)], "A")]
        .map(|svg| attr(&parse(&svg).root_element(), "id").to_string());
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert!(ids.iter().all(|id| id.starts_with("chart-")));
}

fn row(label: &str, segments: Vec<Option<u64>>, total: Option<u64>) -> StackedRow {
    StackedRow { label: label.to_string(), segments, total }
}

/// The 0% and 100% ends of the stacked bars' axis.
fn percent_axis(doc: &Document) -> (f64, f64) {
    (tick(doc, "0%", "x"), tick(doc, "100%", "x"))
}

fn scale() -> Vec<String> {
    ["Muy mal", "Mal", "Bien", "Muy bien", "Prefiero no responder"].map(String::from).to_vec()
}

#[test]
fn stacked_segments_are_in_order_contiguous_and_proportional() {
    let rows = [row("¿Le trataron con respeto?", vec![Some(1), Some(2), Some(3), Some(4), Some(0)], None)];
    let svg = stacked_bars(&rows, &scale(), "Suprimido", &TEXT);
    let doc = parse(&svg);
    let segments = marked(&doc, "segment");
    let names = segments.iter().map(|s| attr(s, "data-series")).collect::<Vec<_>>();
    assert_eq!(names, ["Muy mal", "Mal", "Bien", "Muy bien"], "a zero is not drawn");
    let counts = segments.iter().map(|s| num(s, "data-value")).collect::<Vec<_>>();
    assert_eq!(counts, [1.0, 2.0, 3.0, 4.0]);

    let (left, right) = percent_axis(&doc);
    let mut x = left;
    for (i, segment) in segments.iter().enumerate() {
        assert_eq!(attr(segment, "fill"), SCALE_COLOURS[i]);
        assert!((num(segment, "x") - x).abs() <= 1.0, "segment {i} starts where the last ended");
        let share = num(segment, "width") / (right - left);
        assert!((share - counts[i] / 10.0).abs() < 0.005, "segment {i} is {share} wide");
        assert!((num(segment, "data-share") - counts[i] * 10.0).abs() < 0.05);
        x = num(segment, "x") + num(segment, "width");
    }
    assert!((x - right).abs() <= 1.0, "the bar fills 100%");

    let legend = marked(&doc, "legend-item");
    let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
    assert_eq!(names, scale(), "no hidden item without a hidden share");
    assert!(marked(&doc, "hidden-share").is_empty());
    assert!(!doc.descendants().any(|n| n.has_tag_name("pattern")));
}

#[test]
fn a_partly_hidden_row_draws_its_known_shares_and_one_hatched_rest() {
    let rows = [
        row("Respeto", vec![Some(10), None, Some(6), None, Some(2)], Some(24)),
        row("Derechos", vec![Some(6), Some(4), Some(2), Some(0), Some(0)], Some(24)),
    ];
    let svg = stacked_bars(&rows, &scale(), "Menos de 5 respuestas", &TEXT);
    let doc = parse(&svg);
    let (left, right) = percent_axis(&doc);

    let partial =
        marked(&doc, "segment").into_iter().filter(|s| attr(s, "data-label") == "Respeto").collect::<Vec<_>>();
    let names = partial.iter().map(|s| attr(s, "data-series")).collect::<Vec<_>>();
    assert_eq!(names, ["Muy mal", "Bien", "Prefiero no responder"]);
    let mut x = left;
    for (segment, count) in partial.iter().zip([10.0, 6.0, 2.0]) {
        assert!((num(segment, "x") - x).abs() <= 1.0, "known segments are contiguous");
        let share = num(segment, "width") / (right - left);
        assert!((share - count / 24.0).abs() < 0.005, "count over the total, not over the known sum");
        assert!((num(segment, "data-share") - count / 24.0 * 100.0).abs() < 0.05);
        x = num(segment, "x") + num(segment, "width");
    }

    let hidden = marked(&doc, "hidden-share");
    assert_eq!(hidden.len(), 1, "one rect for all the hidden segments");
    let rest = &hidden[0];
    assert_eq!(attr(rest, "data-label"), "Respeto");
    assert!(!attr(rest, "class").contains("datum") && rest.attribute("data-value").is_none());
    assert!((num(rest, "x") - x).abs() <= 1.0, "after the known segments");
    assert!((num(rest, "width") / (right - left) - 6.0 / 24.0).abs() < 0.005, "the rest of the total");
    assert!((num(rest, "x") + num(rest, "width") - right).abs() <= 1.0, "the bar fills 100%");
    assert!((num(rest, "data-share") - 25.0).abs() < 0.05);
    let title = rest.first_element_child().expect("a title");
    assert!(title.has_tag_name("title"));
    assert_eq!(text(&title), "Menos de 5 respuestas");

    // Hatched with the chart's own pattern, grey lines on white, not a solid grey.
    let patterns = doc.descendants().filter(|n| n.has_tag_name("pattern")).collect::<Vec<_>>();
    assert_eq!(patterns.len(), 1, "defined once");
    assert!(patterns[0].parent_element().is_some_and(|p| p.has_tag_name("defs")));
    let id = attr(&patterns[0], "id");
    assert_eq!(id, format!("{}-hidden", attr(&doc.root_element(), "id")));
    assert_eq!(attr(rest, "fill"), format!("url(#{id})"));
    let fills = patterns[0].descendants().filter_map(|n| n.attribute("fill")).collect::<Vec<_>>();
    assert_eq!(fills, ["#FFFFFF"]);
    assert!(patterns[0].descendants().any(|n| n.has_tag_name("line") && attr(&n, "stroke") != SCALE_COLOURS[4]));

    // A row with every segment known leaves the rest of its total empty.
    let complete =
        marked(&doc, "segment").into_iter().filter(|s| attr(s, "data-label") == "Derechos").collect::<Vec<_>>();
    let end = complete.last().map(|s| num(s, "x") + num(s, "width")).expect("segments");
    assert!((end - (left + right) / 2.0).abs() <= 1.0, "12 of 24 stops at half");

    let legend = marked(&doc, "legend-item");
    let names = legend.iter().map(|g| attr(g, "data-series")).collect::<Vec<_>>();
    let mut expected = scale();
    expected.push("hidden".to_string());
    assert_eq!(names, expected);
    let hidden_item = legend.last().expect("legend");
    assert_eq!(
        text(&hidden_item.descendants().find(|n| n.has_tag_name("text")).expect("words")),
        "Menos de 5 respuestas"
    );
    assert!(hidden_item.descendants().any(|n| n.attribute("fill") == Some(&format!("url(#{id})"))));
}

#[test]
fn a_complete_row_takes_the_total_as_denominator_and_leaves_the_rest_empty() {
    let rows = [row("Agua", vec![Some(3), Some(3), Some(2), Some(2), Some(0)], Some(20))];
    let svg = stacked_bars(&rows, &scale(), "Suprimido", &TEXT);
    let doc = parse(&svg);
    let (left, right) = percent_axis(&doc);
    let segments = marked(&doc, "segment");
    let shares = segments.iter().map(|s| num(s, "data-share")).collect::<Vec<_>>();
    assert_eq!(shares, [15.0, 15.0, 10.0, 10.0]);
    let end = segments.last().map(|s| num(s, "x") + num(s, "width")).expect("segments");
    assert!((end - (left + right) / 2.0).abs() <= 1.0, "the bar stops at half");
    assert!(marked(&doc, "hidden-share").is_empty());
    assert_eq!(marked(&doc, "legend-item").len(), scale().len());
}

#[test]
fn suppressed_rows_draw_no_bar_but_the_words_given() {
    let rows = [
        row("Respeto", vec![Some(5), Some(5), Some(5), Some(5), Some(5)], None),
        row("Derechos", vec![None; 5], Some(12)),
        row("Baño", vec![Some(5), None, Some(5), Some(5), Some(5)], None),
        row("Agua", vec![Some(0); 5], None),
        row("Luz", vec![Some(5), None, Some(5), Some(5), Some(5)], Some(0)),
        row("Frío", vec![Some(5), None, Some(5), Some(5), Some(5)], Some(12)),
    ];
    let svg = stacked_bars(&rows, &scale(), "Menos de 5 respuestas", &TEXT);
    let doc = parse(&svg);

    let drawn = marked(&doc, "segment");
    assert_eq!(drawn.len(), 5);
    assert!(drawn.iter().all(|s| attr(s, "data-label") == "Respeto"));
    assert!(marked(&doc, "hidden-share").is_empty());
    let suppressed = marked(&doc, "suppressed");
    let shown = suppressed.iter().map(|t| attr(t, "data-label")).collect::<Vec<_>>();
    assert_eq!(shown, ["Derechos", "Baño", "Agua", "Luz", "Frío"], "a total below the known counts too");
    assert!(suppressed.iter().all(|t| text(t) == "Menos de 5 respuestas"));
    assert!(marked(&doc, "legend-item").iter().all(|g| attr(g, "data-series") != "hidden"));
    let names = marked(&doc, "row-label").iter().map(text).collect::<Vec<_>>();
    assert_eq!(names, ["Respeto", "Derechos", "Baño", "Agua", "Luz", "Frío"]);
    // Rows stack top to bottom in the order given.
    let ys = marked(&doc, "row-label").iter().map(|t| num(t, "y")).collect::<Vec<_>>();
    assert!(ys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn bars_are_proportional_to_the_fixed_max_and_suppressed_items_are_words() {
    let items = [
        ("Centro".to_string(), Some(50.0)),
        ("Norte".to_string(), None),
        ("Sur".to_string(), Some(100.0)),
        ("Este".to_string(), Some(f64::NAN)),
    ];
    let svg = bars(&items, Some(100.0), "Suprimido", &TEXT);
    let doc = parse(&svg);
    let drawn = marked(&doc, "bar");
    let labels = drawn.iter().map(|b| attr(b, "data-label")).collect::<Vec<_>>();
    assert_eq!(labels, ["Centro", "Sur"]);
    let full = tick(&doc, "100", "x") - tick(&doc, "0", "x");
    assert!((num(&drawn[0], "width") - full / 2.0).abs() <= 1.0);
    assert!((num(&drawn[1], "width") - full).abs() <= 1.0);
    let values = marked(&doc, "value").iter().map(text).collect::<Vec<_>>();
    assert_eq!(values, ["50", "100"]);
    let suppressed = marked(&doc, "suppressed");
    let shown = suppressed.iter().map(|t| attr(t, "data-label")).collect::<Vec<_>>();
    assert_eq!(shown, ["Norte", "Este"]);
    assert!(suppressed.iter().all(|t| text(t) == "Suprimido"));
}

#[test]
fn bars_without_a_max_run_to_a_round_number_above_the_largest() {
    let items = [("Más privacidad".to_string(), Some(37.0)), ("Agua".to_string(), Some(12.5))];
    let svg = bars(&items, None, "-", &TEXT);
    let doc = parse(&svg);
    let full = tick(&doc, "40", "x") - tick(&doc, "0", "x");
    let drawn = marked(&doc, "bar");
    assert!((num(&drawn[0], "width") - full * 37.0 / 40.0).abs() <= 1.0);
    assert!((num(&drawn[1], "width") - full * 12.5 / 40.0).abs() <= 1.0);
    assert_eq!(marked(&doc, "value").iter().map(text).collect::<Vec<_>>(), ["37", "12.5"]);
}

#[test]
fn nice_ticks_end_on_a_round_number() {
    let cases = [(37.0, 40.0, 5), (100.0, 100.0, 5), (3.0, 3.0, 4), (0.0, 1.0, 5), (1234.0, 1500.0, 4)];
    for (largest, end, count) in cases {
        let (max, ticks) = nice_ticks(largest);
        assert_eq!(max, end, "axis end for {largest}");
        assert_eq!(ticks.len(), count, "ticks for {largest}: {ticks:?}");
        assert_eq!(ticks.last(), Some(&end));
    }
}

#[test]
fn sparkline_has_only_its_title_and_breaks_at_gaps() {
    let svg = sparkline(&[Some(50.0), Some(60.0), None, Some(70.0), Some(90.0)], "Centro: 50 → 90");
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(attr(&root, "role"), "img");
    let title = root.first_element_child().expect("title");
    assert_eq!(title.text(), Some("Centro: 50 → 90"));
    assert_eq!(attr(&root, "aria-labelledby"), attr(&title, "id"));
    assert!(!doc.descendants().any(|n| n.has_tag_name("text")));

    assert_eq!(marked(&doc, "line").len(), 2);
    let points = marked(&doc, "point");
    let labels = points.iter().map(|p| attr(p, "data-label")).collect::<Vec<_>>();
    assert_eq!(labels, ["0", "1", "3", "4"]);
    let ys = points.iter().map(|p| num(p, "cy")).collect::<Vec<_>>();
    assert!(ys.windows(2).all(|w| w[1] < w[0]), "higher values sit higher");
}

#[test]
fn coordinates_are_written_as_one_decimal_formatting_would() {
    // Exact ties (12.25) may round the other way: a twentieth of a pixel.
    for v in [0.0, 3.0, 3.04, 3.06, 12.26, 99.99, 120.0, 28.449, -0.3, -4.56, 1e16] {
        assert_eq!(px(v), format!("{v:.1}"), "{v}");
    }
}

#[test]
fn text_colour_on_segments_keeps_contrast() {
    assert_eq!(readable_on("#0072B2"), "#FFFFFF");
    assert_eq!(readable_on("#E69F00"), "#000000");
    assert_eq!(readable_on("#999999"), "#000000");
}
