//! The dashboard pages as a supervisor meets them: figures, charts with their tables,
//! suppression, filters carried by the URL, sorting and downloads.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use serde_json::json;

/// Station LIM-01 with one released batch of 5 (all "Muy bien" on respect) and
/// station LIM-02 with one of 6 (all "Muy mal" on respect); a supervisor of both.
async fn two_stations() -> (TestApp, reqwest::Client) {
    let app = spawn_app().await;
    let (_, good) = app.station_with_tablet("LIM-01").await;
    let (_, bad) = app.station_with_tablet("LIM-02").await;
    for i in 0..6 {
        if i < 5 {
            assert_eq!(app.submit(&good, &full_answers(&new_id())).await.status(), 201);
        }
        let mut body = full_answers(&new_id());
        for key in ["respect", "believed", "informed", "language", "safety", "overall"] {
            body["answers"][key] = json!(1);
        }
        assert_eq!(app.submit(&bad, &body).await.status(), 201);
    }
    app.release().await;
    app.add_user("sup@digna.test", "supervisor", &[], &["Lima Centro"]).await;
    let client = app.signed_in("sup@digna.test").await;
    (app, client)
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Every `data-value` of elements with class `datum` in the page's charts.
fn data_values(html: &str, chart: &str) -> Vec<String> {
    let start = html.find(&format!("data-chart-name=\"{chart}\"")).expect("the chart");
    let end = html[start..].find("</figure>").map(|e| start + e).unwrap_or(html.len());
    html[start..end]
        .split("class=\"datum")
        .skip(1)
        .filter_map(|s| s.split("data-value=\"").nth(1).and_then(|v| v.split('"').next()).map(str::to_string))
        .collect()
}

#[tokio::test]
async fn the_overview_lists_each_station_with_its_index_and_sorts() {
    let (app, client) = two_stations().await;
    let (status, html) = get(&app, &client, "/dashboard").await;
    assert_eq!(status, 200);
    // Both stations are in the supervisor's region; LIM-01 first by code.
    let (one, two) = (html.find("data-station=\"LIM-01\"").unwrap(), html.find("data-station=\"LIM-02\"").unwrap());
    assert!(one < two);
    // LIM-01: 4, 3, 2, 4, 3, 4 → 77,8; LIM-02: six 1s and privacy "rather not" → 0,0.
    assert!(html.contains(">77,8<"), "{html}");
    assert!(html.contains(">0,0<"));
    // Sorted by index, descending: LIM-01 still first; ascending: LIM-02 first.
    let (_, html) = get(&app, &client, "/dashboard?sort=index&dir=asc").await;
    assert!(html.find("data-station=\"LIM-02\"").unwrap() < html.find("data-station=\"LIM-01\"").unwrap());
    assert!(html.contains("aria-sort=\"ascending\""));
    // In English on request, decimals with a point.
    let (_, html) = get(&app, &client, "/dashboard?lang=en").await;
    assert!(html.contains("Stations overview") && html.contains(">77.8<"));
}

#[tokio::test]
async fn the_station_page_draws_its_weekly_index_and_hides_small_cells() {
    let (app, client) = two_stations().await;
    let (status, html) = get(&app, &client, "/dashboard/station/LIM-01").await;
    assert_eq!(status, 200);
    // One week with a release: one point, at the index.
    assert_eq!(data_values(&html, "index"), vec!["77.8"]);
    assert!(html.contains("n=5"));
    // The chart's numbers are also a table behind a toggle.
    assert!(html.contains("Ver como tabla"));
    // 5 responses all gave the same waiting time: that cell shows, the empty ones are 0.
    // Age band: all "18-plus" (5) — shown; a breakdown never shows a count under 5.
    for cell in html.split("<td class=\"num").skip(1) {
        let text = cell.split('>').nth(1).unwrap().split('<').next().unwrap();
        if let Ok(n) = text.parse::<i64>() {
            assert!(n == 0 || n >= 5, "a cell of {n} is shown");
        }
    }
    // The filters are in the URL and come back in the form.
    let (_, html) = get(&app, &client, "/dashboard/station/LIM-01?from=2026-W01&to=2026-W10&language=en").await;
    assert!(html.contains("value=\"2026-W01\"") && html.contains("value=\"2026-W10\""));
    assert!(html.contains("<option value=\"en\" selected"));
    // A broken filter is explained, and the defaults are used.
    let (status, html) = get(&app, &client, "/dashboard/station/LIM-01?from=2026-W99").await;
    assert_eq!(status, 200);
    assert!(html.contains("form-error") && html.contains("2026-W99"));
}

#[tokio::test]
async fn charts_download_as_svg_with_the_same_numbers() {
    let (app, client) = two_stations().await;
    let resp = client.get(app.url("/dashboard/station/LIM-01/chart/index.svg")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml; charset=utf-8");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let svg = resp.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("data-value=\"77.8\""));
    let resp = client.get(app.url("/dashboard/station/LIM-01/chart/nothing.svg")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_comparison_puts_stations_and_regions_side_by_side() {
    let (app, client) = two_stations().await;
    let (_, html) = get(&app, &client, "/dashboard/compare").await;
    assert!(html.contains("Marca de 2 a 8"), "an empty comparison says what to do");
    let (_, html) = get(&app, &client, "/dashboard/compare?item=s:LIM-01&item=s:LIM-02").await;
    assert!(html.contains("compare-table"));
    assert_eq!(data_values(&html, "compare-index"), vec!["77.8", "0"]);
    // One item is not a comparison.
    let (_, html) = get(&app, &client, "/dashboard/compare?item=s:LIM-01").await;
    assert!(!html.contains("compare-table") && html.contains("Elige de 2 a 8"));
}

#[tokio::test]
async fn the_overview_shows_a_hundred_stations_a_page_in_the_order_chosen_over_all() {
    let (app, client) = two_stations().await;
    // 101 stations in the supervisor's region: LIM-01 and LIM-02 with figures, 99 without
    // (ZZZ-003 to ZZZ-101, after them by code).
    for i in 3..=101 {
        app.add_station(&format!("ZZZ-{i:03}")).await;
    }
    let rows = |html: &str| html.matches("data-station=\"").count();
    let (status, html) = get(&app, &client, "/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(rows(&html), 100, "one page");
    assert!(html.contains("Comisarías 1 a 100 de 101."), "{html}");
    assert!(html.contains("Página 1 de 2"));
    assert!(html.contains("rel=\"next\" href=\"/dashboard?") && !html.contains("rel=\"prev\""));
    assert!(html.contains("data-station=\"LIM-01\"") && !html.contains("data-station=\"ZZZ-101\""));

    let (_, html) = get(&app, &client, "/dashboard?sort=station&dir=asc&page=2").await;
    assert_eq!(rows(&html), 1);
    assert!(html.contains("data-station=\"ZZZ-101\""));
    assert!(html.contains("Página 2 de 2") && html.contains("rel=\"prev\"") && !html.contains("rel=\"next\""));
    // The sort runs over every station, not within a page: LIM-02 (index 0,0) is the first
    // of all by index, ascending; stations without an index come after every figure.
    let (_, html) = get(&app, &client, "/dashboard?sort=index&dir=asc&page=1").await;
    let first = html.split("data-station=\"").nth(1).and_then(|s| s.split('"').next());
    assert_eq!(first, Some("LIM-02"));
    // A page past the end shows the last one; a page that is not a number, the first.
    let (status, html) = get(&app, &client, "/dashboard?page=99").await;
    assert_eq!(status, 200);
    assert!(html.contains("Página 2 de 2"));
    let (_, html) = get(&app, &client, "/dashboard?page=x").await;
    assert!(html.contains("Página 1 de 2"));
}
