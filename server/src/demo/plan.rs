//! Who answers how much where: the synthetic stations, and the responses each gets in
//! each week.

use super::mix::Mix;
use super::model::{Kind, Model, Synthetic};
use super::Progress;
use domain::{Name, StationCode};
use store::audit::Entry;

/// (region, code prefix, share of the stations, share of visitors answering in Quechua,
/// in Aymara). Lima Centro and Lima Sur are the small demo's regions.
const REGIONS: [(&str, &str, u32, f64, f64); 12] = [
    ("Lima Centro", "LIMC", 12, 0.03, 0.0),
    ("Lima Sur", "LIMS", 10, 0.04, 0.0),
    ("Lima Norte", "LIMN", 11, 0.04, 0.0),
    ("Callao", "CALL", 6, 0.02, 0.0),
    ("Arequipa", "AREQ", 8, 0.06, 0.01),
    ("La Libertad", "LIBE", 8, 0.01, 0.0),
    ("Piura", "PIUR", 8, 0.0, 0.0),
    ("Junín", "JUNI", 6, 0.08, 0.0),
    ("Cusco", "CUSC", 7, 0.30, 0.0),
    ("Ayacucho", "AYAC", 5, 0.35, 0.0),
    ("Puno", "PUNO", 6, 0.20, 0.20),
    ("Loreto", "LORE", 4, 0.0, 0.0),
];
/// Visitors answering in English, anywhere.
const ENGLISH: f64 = 0.015;
/// Stations whose treatment falls sharply in their last weeks.
const DROPPING: f64 = 0.04;
const DROP_WEEKS: usize = 6;

/// Adds `n` stations over the regions in proportion to their shares, interleaved.
pub(super) async fn add_stations(
    db: &crate::Db,
    n: usize,
    seed: u64,
    progress: Progress<'_>,
) -> anyhow::Result<Vec<Site>> {
    let total: i64 = REGIONS.iter().map(|r| i64::from(r.2)).sum();
    let mut credit = [0i64; REGIONS.len()];
    let mut numbers = [0usize; REGIONS.len()];
    let mut rng = Mix::new(seed, u64::MAX);
    let mut out = Vec::with_capacity(n);
    for done in 0..n {
        // Smooth weighted round robin: each region's turn comes as often as its share.
        for (c, r) in credit.iter_mut().zip(&REGIONS) {
            *c += i64::from(r.2);
        }
        let region = (0..REGIONS.len()).max_by_key(|&i| (credit[i], std::cmp::Reverse(i))).unwrap_or(0);
        credit[region] -= total;
        let (region_name, prefix, _, _, _) = REGIONS[region];
        let id = loop {
            numbers[region] += 1;
            let number = numbers[region];
            let code = StationCode::parse(&format!("{prefix}-{number:03}")).map_err(anyhow::Error::msg)?;
            let name = Name::parse("name", &format!("Comisaría de Familia {region_name} {number}"), 200)
                .map_err(anyhow::Error::msg)?;
            let region = Name::parse("region", region_name, 100).map_err(anyhow::Error::msg)?;
            let audit = Entry::new(super::DEMO_ACTOR, "station.create", code.as_ref(), "demo station");
            if let Some(id) = store::Stations::insert(db, &code, &name, &region, "America/Lima", &audit).await? {
                break id;
            }
        };
        // How many come (log-normal), how well they are treated and where that heads.
        let size = (0.55 * rng.normal()).exp().clamp(0.25, 4.0);
        let base = 0.35 + 0.5 * (rng.unit() + rng.unit()) / 2.0;
        let drift = 0.2 * (rng.unit() - 0.4);
        let drops = rng.chance(DROPPING);
        out.push(Site { id, region, size, base, drift, drops });
        if done % 50 == 0 {
            progress("Adding stations", done as u64, n as u64);
        }
    }
    progress("Adding stations", n as u64, n as u64);
    Ok(out)
}

/// A synthetic station.
pub(super) struct Site {
    pub(super) id: i64,
    pub(super) region: usize,
    size: f64,
    base: f64,
    drift: f64,
    drops: bool,
}

/// Who answers how much where: responses per station and week, and how well the
/// station treats people that week. Cell `s * weeks + t` is station `s`, week `t`.
pub(super) struct Plan {
    seed: u64,
    pub(super) stations: Vec<Site>,
    pub(super) weeks: Vec<String>,
    quality: Vec<f64>,
    pub(super) counts: Vec<u32>,
    /// Where each cell's responses start in the numbering of all responses.
    pub(super) offsets: Vec<u64>,
}

impl Plan {
    pub(super) fn new(seed: u64, stations: Vec<Site>, weeks: Vec<String>, responses: u64, k: usize) -> Plan {
        let w = weeks.len();
        let cells = stations.len() * w;
        let mut quality = Vec::with_capacity(cells);
        let mut weight = Vec::with_capacity(cells);
        for (s, site) in stations.iter().enumerate() {
            let phase = Mix::new(seed ^ 0x5EA5_0115, s as u64).unit() * std::f64::consts::TAU;
            for t in 0..w {
                let mut rng = Mix::new(seed ^ 0x0C0F_FEE5, (s * w + t) as u64);
                let along = if w > 1 { t as f64 / (w - 1) as f64 } else { 1.0 };
                let mut q = site.base + site.drift * along + 0.03 * rng.normal();
                if site.drops && t + DROP_WEEKS >= w {
                    q -= 0.3;
                }
                quality.push(q.clamp(0.05, 0.95));
                // The programme grows, and more people come in some seasons.
                let growth = 0.7 + 0.6 * along;
                let season = 1.0 + 0.12 * (t as f64 * std::f64::consts::TAU / 52.0 + phase).sin();
                weight.push(site.size * growth * season * (0.2 * rng.normal()).exp());
            }
        }
        // k per cell, and the rest in proportion to the weights (largest remainders).
        let rest = responses - (cells * k) as u64;
        let total: f64 = weight.iter().sum();
        let shares: Vec<f64> = weight.iter().map(|x| rest as f64 * x / total).collect();
        let mut counts: Vec<u64> = shares.iter().map(|x| x.floor() as u64).collect();
        let given: u64 = counts.iter().sum();
        let mut by_remainder: Vec<usize> = (0..cells).collect();
        by_remainder.sort_by(|&a, &b| (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())));
        for &i in by_remainder.iter().cycle().take(rest.saturating_sub(given) as usize) {
            counts[i] += 1;
        }
        let counts: Vec<u32> = counts.into_iter().map(|n| (n + k as u64).min(u64::from(u32::MAX)) as u32).collect();
        let mut offsets = Vec::with_capacity(cells + 1);
        let mut at = 0u64;
        offsets.push(0);
        for n in &counts {
            at += u64::from(*n);
            offsets.push(at);
        }
        Plan { seed, stations, weeks, quality, counts, offsets }
    }

    pub(super) fn total(&self) -> u64 {
        self.offsets.last().copied().unwrap_or(0)
    }

    pub(super) fn station(&self, cell: usize) -> &Site {
        &self.stations[cell / self.weeks.len()]
    }

    pub(super) fn week(&self, cell: usize) -> &str {
        &self.weeks[cell % self.weeks.len()]
    }

    /// Response number `g` of cell `cell`: the same every time it is asked for.
    pub(super) fn respond(&self, model: &Model, cell: usize, g: u64, out: &mut Synthetic) {
        let mut rng = Mix::new(self.seed, g);
        let site = self.station(cell);
        let (_, _, _, quechua, aymara) = REGIONS[site.region];
        let u = rng.unit();
        out.language = if u < quechua {
            "qu"
        } else if u < quechua + aymara {
            "ay"
        } else if u < quechua + aymara + ENGLISH {
            "en"
        } else {
            "es"
        };
        out.respondent = model.respondent.pick(&mut rng, None);
        out.age_band = model.age_band.pick(&mut rng, out.respondent.map(|r| model.respondent.is_child(r)));
        out.suspect = rng.chance(0.02);
        // How it went for her, and each question around that.
        let experience = self.quality[cell] + 0.12 * rng.normal();
        out.answers.clear();
        for (qi, q) in model.care.iter().enumerate() {
            match &q.kind {
                Kind::Scale { aspect } => {
                    if rng.chance(0.06) {
                        continue;
                    }
                    let v = if rng.chance(0.04) {
                        4 // rather not say
                    } else {
                        let x = experience + aspect + 0.15 * rng.normal();
                        ((3.0 * x).round().clamp(0.0, 3.0)) as usize
                    };
                    out.answers.push((qi, v));
                }
                Kind::Waiting => {
                    if rng.chance(0.07) {
                        continue;
                    }
                    // Worse stations keep people waiting longer.
                    let x = (1.0 - experience) * (q.values.len() as f64) + 0.9 * rng.normal();
                    out.answers.push((qi, x.floor().clamp(0.0, (q.values.len() - 1) as f64) as usize));
                }
                Kind::Single => {
                    if rng.chance(0.07) {
                        continue;
                    }
                    out.answers.push((qi, rng.below(q.values.len())));
                }
                Kind::Multi { base, slope } => {
                    if rng.chance(0.15) {
                        continue;
                    }
                    let n = (1 + usize::from(rng.chance(0.45)) + usize::from(rng.chance(0.15))).min(base.len());
                    let mut weights: Vec<f64> =
                        base.iter().zip(slope).map(|(b, s)| (b + s * (1.0 - experience)).max(0.05)).collect();
                    for _ in 0..n {
                        let mut r = rng.unit() * weights.iter().sum::<f64>();
                        let mut chosen = weights.len() - 1;
                        for (i, w) in weights.iter().enumerate() {
                            if r < *w && *w > 0.0 {
                                chosen = i;
                                break;
                            }
                            r -= w;
                        }
                        weights[chosen] = 0.0;
                        out.answers.push((qi, chosen));
                    }
                }
            }
        }
    }
}
