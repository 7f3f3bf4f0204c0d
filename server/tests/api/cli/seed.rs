//! Demo data and releases from the command line: `seed-demo`, small and at scale, and
//! `release`.

use super::*;

#[test]
fn seed_demo_once() {
    let cli = Cli::new();
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("2 stations in 2 regions"), "{out}");
    assert!(out.contains("supervisora@digna.demo") && out.contains("demo-supervisora"), "{out}");
    // What a newcomer's first run shows: two stations in two regions, one enrolled tablet,
    // a few hundred released responses over about twelve weeks, with their roll-ups.
    assert_eq!(cli.sql("SELECT COUNT(*) || ' ' || COUNT(DISTINCT region) FROM stations"), "2 2");
    assert_eq!(
        cli.sql("SELECT COUNT(*) FROM tablets t JOIN stations s ON s.id = t.station_id WHERE NOT t.revoked"),
        "1",
        "one enrolled demo tablet"
    );
    let released: i64 = cli.sql("SELECT COUNT(*) FROM responses").parse().unwrap();
    assert!((150..=1000).contains(&released), "a few hundred responses: {released}");
    assert_eq!(cli.sql("SELECT SUM(responses) FROM response_rollups"), released.to_string());
    assert_eq!(cli.sql("SELECT COUNT(*) FROM pending_responses"), "0", "released, none pending");
    let weeks: i64 = cli.sql("SELECT COUNT(DISTINCT iso_week) FROM responses").parse().unwrap();
    assert!((10..=13).contains(&weeks), "spread over about 12 ISO weeks: {weeks}");
    let stations_with_data = cli.sql("SELECT COUNT(DISTINCT station_id) FROM responses");
    assert_eq!(stations_with_data, "2", "both stations have responses");
    // Released as a scheduled release would: every combination of what staff could
    // observe appears at least k = 5 times in each station's week.
    let smallest: i64 = cli
        .sql(
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM responses r
             LEFT JOIN answers w ON w.response_id = r.id AND w.question_key = 'waiting_time'
             GROUP BY r.station_id, r.iso_week, r.survey_version, r.language, r.respondent, r.age_band, r.suspect, w.value)
             AS combinations",
        )
        .parse()
        .unwrap();
    assert!(smallest >= 5, "a combination of the demo data holds {smallest} responses");
    let out = cli.ok(&["seed-demo"]);
    assert!(out.contains("already has stations"), "a second run adds nothing: {out}");
    assert!(!out.contains("Demo accounts added"), "{out}");
    assert!(out.contains("supervisora@digna.demo"), "the accounts are listed every time: {out}");
}

#[test]
fn seed_demo_at_scale_writes_exactly_the_released_responses_asked_for_and_their_rollups() {
    let cli = Cli::new();
    let sql = |q: &str| cli.sql(q);
    let args = ["seed-demo", "--responses", "2000", "--stations", "20", "--weeks", "10", "--seed", "11"];
    let out = cli.ok(&args);
    assert!(out.contains("2000 released responses") && out.contains("20 stations"), "{out}");
    assert_eq!(sql("SELECT COUNT(*) FROM responses"), "2000");
    assert_eq!(sql("SELECT SUM(responses) FROM response_rollups"), "2000");
    assert_eq!(sql("SELECT COUNT(*) FROM pending_responses"), "0", "released data only");
    assert_eq!(sql("SELECT COUNT(*) FROM answers"), sql("SELECT SUM(answers) FROM answer_rollups"));
    // Every station has at least k (5) responses in each of the 10 weeks.
    assert_eq!(sql("SELECT COUNT(*) FROM stations"), "20");
    assert_eq!(
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM responses GROUP BY station_id, iso_week HAVING COUNT(*) >= 5) AS w"),
        "200"
    );
    // The roll-ups are exactly a GROUP BY over the raw rows, both ways.
    for (a, b) in store::conformance::ROLLUP_CHECKS {
        assert_eq!(sql(&format!("SELECT COUNT(*) FROM ({a} EXCEPT {b}) AS differing")), "0", "{a}\nEXCEPT\n{b}");
    }
    // Realistic: regions, languages, profiles skipped, faces declined, several picks.
    assert!(sql("SELECT COUNT(DISTINCT region) FROM stations").parse::<i64>().unwrap() >= 10);
    assert!(sql("SELECT COUNT(DISTINCT language) FROM responses").parse::<i64>().unwrap() >= 3);
    assert_ne!(sql("SELECT COUNT(*) FROM responses WHERE respondent IS NULL"), "0");
    assert_ne!(sql("SELECT COUNT(*) FROM answers WHERE value = 'rather_not'"), "0");
    assert_ne!(
        sql("SELECT COUNT(*) FROM (SELECT 1 FROM answers WHERE question_key = 'improve' GROUP BY response_id HAVING COUNT(*) > 1) AS m"),
        "0"
    );
    let indexes = sql(
        "SELECT MIN(i), MAX(i) FROM (SELECT station_id, 100.0 * SUM(CAST(value AS INTEGER) - 1) / (3 * COUNT(*)) AS i
                       FROM answers a JOIN responses r ON r.id = a.response_id
                       WHERE value IN ('1', '2', '3', '4') GROUP BY station_id) AS by_station",
    );
    let (low, high) = indexes.split_once('|').unwrap();
    assert!(high.parse::<f64>().unwrap() - low.parse::<f64>().unwrap() > 10.0, "stations differ: {indexes}");

    // A database with data is refused unless --add says so.
    let err = cli.fails(&args);
    assert!(err.contains("not empty") && err.contains("--add"), "{err}");
    let mut more = args.to_vec();
    more.push("--add");
    cli.ok(&more);
    assert_eq!(sql("SELECT COUNT(*) FROM responses"), "4000");
    assert_eq!(sql("SELECT COUNT(*) FROM stations"), "40");
    // Too few responses for k in every week of every station.
    let err = Cli::new().fails(&["seed-demo", "--responses", "999", "--stations", "20", "--weeks", "10"]);
    assert!(err.contains("too few") && err.contains("1000"), "{err}");
    let err = Cli::new().fails(&["seed-demo", "--stations", "20"]);
    assert!(err.contains("--responses"), "{err}");
}

#[test]
fn release_runs_now_and_prints_pools_never_responses() {
    let cli = Cli::new();
    for code in ["LIM-01", "LIM-02"] {
        cli.ok(&["station", "add", "--code", code, "--name", "Comisaría", "--region", "Lima Sur"]);
    }
    let key = server::privacy::seal::SealKey::load_or_create(&cli.dir.path().join("digna.key")).unwrap();
    // Seven alike at LIM-01, three at LIM-02: stored and pending, as the server stores them.
    cli.with_db(|app| async move {
        let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("survey version 1");
        for (code, n) in [("LIM-01", 7), ("LIM-02", 3)] {
            store_alike(&app, &key, &survey, code, n).await;
        }
        app.db.close().await;
    });
    let out = cli.ok(&["release", "--station", "LIM-01"]);
    assert_eq!(out.trim(), "LIM-01: 1 pool released (0 with detail withheld for privacy)");
    assert_eq!(cli.sql("SELECT COUNT(*) FROM responses"), "7");
    let out = cli.ok(&["release"]);
    assert!(out.contains("LIM-01: nothing released") && out.contains("LIM-02: nothing released"), "{out}");
    assert!(out.contains("LIM-02: nothing released; some responses wait"), "{out}");
    assert!(!names_a_count(&out, &[3, 7]), "the output counts responses: {out}");
    let err = cli.fails(&["release", "--station", "NOPE-1"]);
    assert!(err.contains("no station has code"), "{err}");

    // The schedule: a time of the station's night, daily or weekly.
    let out = cli.ok(&["station", "set", "LIM-02", "--release-at", "03:17", "--release-every", "weekly"]);
    assert!(out.contains("every Monday at 03:17"), "{out}");
    assert_eq!(
        cli.sql("SELECT release_minute || ' ' || release_every_days FROM stations WHERE code = 'LIM-02'"),
        "197 7"
    );
    let minute: i64 = cli.sql("SELECT release_minute FROM stations WHERE code = 'LIM-01'").parse().unwrap();
    assert!((60..300).contains(&minute), "a random minute between 01:00 and 04:59: {minute}");
    for (args, says) in [
        (["--release-at", "25:00"], "HH:MM"),
        (["--release-at", "3:17"], "HH:MM"),
        (["--release-every", "hourly"], "daily or weekly"),
    ] {
        let mut all = vec!["station", "set", "LIM-02"];
        all.extend(args);
        let err = cli.fails(&all);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        cli.sql("SELECT release_minute || ' ' || release_every_days FROM stations WHERE code = 'LIM-02'"),
        "197 7"
    );
}
