//! Texts of the kiosk's own interface (the survey's texts come from the database).
//!
//! Spanish and English are reviewed. Quechua (Southern Quechua) and Aymara are
//! best-effort drafts that a native speaker must review before a station offers them.
//! The enrollment screen is for staff and is in Spanish only.
use domain::Language;

/// The kiosk's interface in one language.
pub struct KioskTexts {
    pub loading: &'static str,
    /// Accessible name of the help banner.
    pub help_label: &'static str,
    pub help_line: &'static str,
    pub welcome_title: &'static str,
    pub welcome_what: &'static str,
    pub welcome_anonymous: &'static str,
    pub welcome_skip: &'static str,
    pub language_label: &'static str,
    pub start: &'static str,
    /// "Pregunta {n} de {total}"; see [`progress`].
    progress: (&'static str, &'static str, &'static str),
    pub very_bad: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
    pub very_good: &'static str,
    pub rather_not: &'static str,
    pub choose_any: &'static str,
    pub back: &'static str,
    pub skip: &'static str,
    pub next: &'static str,
    pub exit: &'static str,
    pub thanks_title: &'static str,
    pub thanks_sent: &'static str,
    pub thanks_line_100: &'static str,
    pub thanks_cem: &'static str,
    pub finish: &'static str,
    pub offline_title: &'static str,
    pub offline_text: &'static str,
    pub retry: &'static str,
    /// The read-aloud button.
    pub listen: &'static str,
    /// The listen button while it reads: stops it.
    pub stop_reading: &'static str,
    /// The inactivity prompt.
    pub still_there_title: &'static str,
    pub still_there_text: &'static str,
    pub keep_going: &'static str,
}

/// The interface texts in `lang`.
pub fn texts(lang: Language) -> &'static KioskTexts {
    match lang {
        Language::Es => &ES,
        Language::Qu => &QU,
        Language::Ay => &AY,
        Language::En => &EN,
    }
}

/// One of the interface's texts, picked by `pick`, in the language `lang` holds: a
/// reactive view. Every text goes through this one closure type, so the browser's code
/// for a reactive text is compiled once, not once per text (BENCHMARKS.md, "Kiosk bundle").
pub fn text(
    lang: leptos::prelude::Signal<Language>,
    pick: fn(&'static KioskTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    use leptos::prelude::Get;
    move || pick(texts(lang.get()))
}

/// "Pregunta 3 de 11", in `lang`.
pub fn progress(lang: Language, n: usize, total: usize) -> String {
    let (before, middle, after) = texts(lang).progress;
    format!("{before}{n}{middle}{total}{after}")
}

static ES: KioskTexts = KioskTexts {
    loading: "Cargando…",
    help_label: "Ayuda",
    help_line: "Línea 100 — gratuita, 24 horas",
    welcome_title: "Tu opinión nos ayuda a mejorar",
    welcome_what: "Son unas pocas preguntas sobre cómo te trataron hoy.",
    welcome_anonymous: "Es anónimo: no te pedimos tu nombre y nadie en la comisaría puede ver tus respuestas.",
    welcome_skip: "Puedes saltar cualquier pregunta y parar cuando quieras.",
    language_label: "Idioma",
    start: "Comenzar",
    progress: ("Pregunta ", " de ", ""),
    very_bad: "Muy mal",
    bad: "Mal",
    good: "Bien",
    very_good: "Muy bien",
    rather_not: "Prefiero no responder",
    choose_any: "Puedes elegir varias.",
    back: "Atrás",
    skip: "Saltar",
    next: "Siguiente",
    exit: "Salir",
    thanks_title: "Gracias",
    thanks_sent: "Tus respuestas se enviaron de forma anónima.",
    thanks_line_100: "Si necesitas ayuda, llama gratis a la Línea 100, las 24 horas.",
    thanks_cem: "También puedes pedir al personal que te comunique con el Centro Emergencia Mujer.",
    finish: "Terminar",
    offline_title: "No hay conexión",
    offline_text: "La tableta no puede conectarse en este momento.",
    retry: "Reintentar",
    listen: "Escuchar",
    stop_reading: "Detener",
    still_there_title: "¿Sigues ahí?",
    still_there_text: "Si quieres seguir, toca Continuar. Si no, en unos segundos borraremos tus respuestas para cuidar tu privacidad.",
    keep_going: "Continuar",
};

static EN: KioskTexts = KioskTexts {
    loading: "Loading…",
    help_label: "Help",
    help_line: "Línea 100 — free, 24 hours",
    welcome_title: "Your opinion helps us improve",
    welcome_what: "A few questions about how you were treated today.",
    welcome_anonymous: "It is anonymous: we do not ask your name, and nobody at the station can see your answers.",
    welcome_skip: "You can skip any question and stop at any time.",
    language_label: "Language",
    start: "Start",
    progress: ("Question ", " of ", ""),
    very_bad: "Very bad",
    bad: "Bad",
    good: "Good",
    very_good: "Very good",
    rather_not: "I'd rather not answer",
    choose_any: "You can choose more than one.",
    back: "Back",
    skip: "Skip",
    next: "Next",
    exit: "Exit",
    thanks_title: "Thank you",
    thanks_sent: "Your answers were sent anonymously.",
    thanks_line_100: "If you need help, call Línea 100 for free, 24 hours a day.",
    thanks_cem: "You can also ask the staff to put you in touch with the Centro Emergencia Mujer.",
    finish: "Finish",
    offline_title: "No connection",
    offline_text: "The tablet cannot connect right now.",
    retry: "Try again",
    listen: "Listen",
    stop_reading: "Stop",
    still_there_title: "Are you still there?",
    still_there_text: "If you want to go on, tap Continue. If not, your answers will be erased in a few seconds to protect your privacy.",
    keep_going: "Continue",
};

// Draft: to be reviewed by a native speaker of Southern Quechua.
static QU: KioskTexts = KioskTexts {
    loading: "Suyaykuy…",
    help_label: "Yanapay",
    help_line: "Línea 100 — mana qullqiyuq, 24 horas",
    welcome_title: "Yuyayniyki aswan allin kanaykupaq yanapawanku",
    welcome_what: "Kunan p'unchaw imaynata atiendesusqaykimanta huk iskay kimsa tapukuykuna.",
    welcome_anonymous:
        "Mana sutiyuqmi: mana sutiykita mañakuykuchu, comisariapi mana pipas kutichisqaykikunata rikunqachu.",
    welcome_skip: "Mayqin tapukuytapas saltayta atinki, munasqayki pachapi saqeytapas atinki.",
    language_label: "Simi",
    start: "Qallariy",
    progress: ("Tapukuy ", " / ", ""),
    very_bad: "Ancha mana allin",
    bad: "Mana allin",
    good: "Allin",
    very_good: "Ancha allin",
    rather_not: "Mana kutichiyta munanichu",
    choose_any: "Achkata akllayta atinki.",
    back: "Qhipaman",
    skip: "Saltay",
    next: "Qatiqnin",
    exit: "Lluqsiy",
    thanks_title: "Añaychayki",
    thanks_sent: "Kutichisqaykikunaqa mana sutiyuq apachisqa karqan.",
    thanks_line_100: "Yanapayta munaspaqa, Línea 100 nisqaman mana qullqiyuq waqyay, 24 horas.",
    thanks_cem: "Personalta mañakuyta atinki Centro Emergencia Mujer nisqawan rimanaykipaq.",
    finish: "Tukuy",
    offline_title: "Mana conexión kanchu",
    offline_text: "Tabletaqa kunan mana conectakuyta atinchu.",
    retry: "Hukmanta",
    listen: "Uyariy",
    stop_reading: "Sayachiy",
    still_there_title: "¿Kaypiraqchu kachkanki?",
    still_there_text:
        "Qatiyta munaspaqa, Qatiy nisqata llamiy. Mana chayqa, huk chhikanmantaqa kutichisqaykikunata pichasaqku.",
    keep_going: "Qatiy",
};

// Draft: to be reviewed by a native speaker of Aymara.
static AY: KioskTexts = KioskTexts {
    loading: "Suyt'am…",
    help_label: "Yanapa",
    help_line: "Línea 100 — inaki, 24 horas",
    welcome_title: "Amuyumax juk'amp askichañatakiw yanapistu",
    welcome_what: "Jichhürux kunjams uñjapxtam uka tuqit mä qhawqha jiskt'anaka.",
    welcome_anonymous: "Jan sutinïkiti: janiw sutimx mayipktanti, comisarian janiw khitis jaysawinakam uñjkaniti.",
    welcome_skip: "Kawkïr jiskt's jaytasmawa, kunapachas munkta ukhax sayt'asmawa.",
    language_label: "Aru",
    start: "Qalltaña",
    progress: ("Jiskt'a ", " / ", ""),
    very_bad: "Sinti jan wali",
    bad: "Jan wali",
    good: "Wali",
    very_good: "Sinti wali",
    rather_not: "Jan jaysañ munkti",
    choose_any: "Walja ajllismawa.",
    back: "Qhiparu",
    skip: "Jaytaña",
    next: "Arkiri",
    exit: "Mistuña",
    thanks_title: "Yuspajara",
    thanks_sent: "Jaysawinakamax jan sutimpiw apayasiwayi.",
    thanks_line_100: "Yanapa munsta ukhax, Línea 100 ukar inaki jawsam, 24 horas.",
    thanks_cem: "Personalarux Centro Emergencia Mujer ukamp parlañ mayismawa.",
    finish: "Tukuyaña",
    offline_title: "Janiw conexión utjkiti",
    offline_text: "Tabletax jichhax janiw conectasiñjamäkiti.",
    retry: "Mayampi",
    listen: "Ist'aña",
    stop_reading: "Sayt'ayaña",
    still_there_title: "¿Akankaskakitati?",
    still_there_text:
        "Sarantañ munsta ukhax, Sarantaña uk ch'iqt'am. Janicha ukhax, mä juk'a pachatxa jaysawinakam chhaqtayañäni.",
    keep_going: "Sarantaña",
};

/// The staff-facing enrollment screen, in Spanish only.
pub mod enroll {
    pub const TITLE: &str = "Registrar esta tableta";
    pub const INTRO: &str =
        "Escribe el código de registro que te dio el administrador. Solo hace falta hacerlo una vez.";
    pub const CODE_LABEL: &str = "Código de registro";
    pub const SUBMIT: &str = "Registrar";
    pub const SUBMITTING: &str = "Registrando…";
    pub const INVALID: &str = "El código no es válido, ya se usó o venció. Pide uno nuevo al administrador.";
    pub const OFFLINE: &str = "No hay conexión con el servidor. Revisa la red e inténtalo de nuevo.";
    pub const FAILED: &str = "No se pudo registrar la tableta. Inténtalo de nuevo en un momento.";
    pub const REVOKED: &str =
        "Esta tableta ya no está registrada. Hay que registrarla de nuevo con un código nuevo del administrador.";
}

/// The staff panel, in Spanish only.
pub mod staff {
    /// Accessible name of the discreet button on the welcome screen.
    pub const OPEN: &str = "Personal";
    pub const TITLE: &str = "Panel del personal";
    pub const INTRO: &str = "Solo para el personal de la comisaría. Escribe el PIN para ver el estado de la tableta.";
    pub const PIN_LABEL: &str = "PIN del personal";
    pub const KEYPAD: &str = "Teclado numérico";
    pub const DELETE: &str = "Borrar";
    pub const UNLOCK: &str = "Entrar";
    pub const CHECKING: &str = "Comprobando…";
    pub const WRONG: &str = "El PIN no es correcto.";
    pub const NO_PIN: &str = "Esta comisaría aún no tiene PIN. Pídelo al administrador.";
    pub const OFFLINE: &str = "No hay conexión con el servidor. Inténtalo de nuevo.";
    pub const FAILED: &str = "No se pudo comprobar el PIN. Inténtalo de nuevo en un momento.";
    pub const REVOKED: &str = "Esta tableta ya no está registrada: hay que registrarla de nuevo.";
    pub const HEALTH: &str = "Estado de la tableta";
    pub const STATION: &str = "Comisaría";
    pub const QUEUE: &str = "Respuestas por enviar";
    pub const LAST_DELIVERY: &str = "Último envío";
    pub const VERSION: &str = "Versión";
    pub const CONNECTION: &str = "Conexión";
    pub const ONLINE: &str = "En línea";
    pub const OFFLINE_STATE: &str = "Sin conexión";
    pub const UNKNOWN: &str = "—";
    pub const REENROLL: &str = "Volver a registrar esta tableta";
    pub const REENROLL_CONFIRM: &str = "¿Volver a registrar esta tableta? Dejará de funcionar hasta que escribas un código de registro nuevo del administrador.";
    pub const REENROLL_YES: &str = "Sí, volver a registrar";
    pub const CANCEL: &str = "Cancelar";
    pub const CLOSE: &str = "Cerrar";
    /// Leaves kiosk mode (full screen, the kiosk page) so that staff can use the browser.
    pub const LEAVE_KIOSK: &str = "Salir del modo quiosco";
    /// Queued answers the server did not take: they stay queued and are sent again.
    pub const REFUSED: &str = "Rechazadas por el servidor (se reintentan)";

    /// "Demasiados intentos…", with the wait rounded up to whole minutes.
    pub fn locked(retry_after_s: u64) -> String {
        let minutes = retry_after_s.div_ceil(60).max(1);
        let unit = if minutes == 1 { "minuto" } else { "minutos" };
        format!("Demasiados intentos. Espera {minutes} {unit} y vuelve a intentarlo.")
    }

    /// "hace 3 min": how long ago something happened, `elapsed_ms` ago.
    pub fn ago(elapsed_ms: f64) -> String {
        let s = (elapsed_ms.max(0.0) / 1000.0).floor() as u64;
        match s {
            0..=59 => "hace unos segundos".into(),
            60..=3_599 => format!("hace {} min", s / 60),
            3_600..=86_399 => format!("hace {} h", s / 3_600),
            _ => match s / 86_400 {
                1 => "hace 1 día".into(),
                d => format!("hace {d} días"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_naturally() {
        assert_eq!(progress(Language::Es, 3, 11), "Pregunta 3 de 11");
        assert_eq!(progress(Language::En, 3, 11), "Question 3 of 11");
    }

    #[test]
    fn staff_times_read_naturally() {
        assert_eq!(staff::ago(12_000.0), "hace unos segundos");
        assert_eq!(staff::ago(-5.0), "hace unos segundos", "a clock set back");
        assert_eq!(staff::ago(3.0 * 60_000.0 + 5_000.0), "hace 3 min");
        assert_eq!(staff::ago(2.0 * 3_600_000.0), "hace 2 h");
        assert_eq!(staff::ago(30.0 * 3_600_000.0), "hace 1 día");
        assert_eq!(staff::ago(3.0 * 86_400_000.0), "hace 3 días");
        assert_eq!(staff::locked(300), "Demasiados intentos. Espera 5 minutos y vuelve a intentarlo.");
        assert_eq!(staff::locked(20), "Demasiados intentos. Espera 1 minuto y vuelve a intentarlo.");
    }

    #[test]
    fn every_language_has_every_text() {
        for lang in Language::ALL {
            let t = texts(lang);
            for (name, s) in [
                ("start", t.start),
                ("very_bad", t.very_bad),
                ("rather_not", t.rather_not),
                ("back", t.back),
                ("skip", t.skip),
                ("exit", t.exit),
                ("thanks_title", t.thanks_title),
                ("help_line", t.help_line),
                ("listen", t.listen),
                ("still_there_title", t.still_there_title),
                ("still_there_text", t.still_there_text),
                ("keep_going", t.keep_going),
            ] {
                assert!(!s.trim().is_empty(), "{lang}: {name} is empty");
            }
            // The help line must always name the free national helpline.
            assert!(t.help_line.starts_with("Línea 100 — "), "{lang}: help line");
        }
    }
}
