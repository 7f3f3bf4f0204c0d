//! Recorded voices: one per language and text key, a new recording replaces the old and
//! needs approval again, approval only of the sound that was heard, and moving a set of
//! recordings between installations.

use super::accounts::line;
use crate::accounts::Grants;
use crate::voices::{NewVoice, VoiceFile};
use crate::Store;
use domain::{Email, Role};

fn voice(key: &str, sound: u8, by: Option<i64>) -> NewVoice {
    NewVoice {
        language: "qu".into(),
        text_key: key.into(),
        text: format!("Texto de {key}"),
        survey_version: 1,
        audio: vec![sound; 64],
        sha256: format!("{sound:02x}").repeat(32),
        millis: 1200,
        recorded_by: by,
        now: 1_800_000_000,
    }
}

pub async fn a_recording_is_kept_once_per_prompt_and_approved_only_as_heard<S: Store>(store: &S) {
    let email = Email::parse("voces@digna.test").unwrap();
    let admin = store
        .create(&email, Role::Admin, "h", &Grants::default(), &line("account.create", "voces"))
        .await
        .unwrap()
        .expect("a new account");
    let first = store.save_voice(&voice("welcome", 1, Some(admin)), &line("voice.record", "qu welcome")).await.unwrap();
    store.save_voice(&voice("thanks", 2, None), &line("voice.record", "qu thanks")).await.unwrap();
    let listed = store.voices().await.unwrap();
    assert_eq!(listed.iter().map(|v| v.text_key.as_str()).collect::<Vec<_>>(), ["thanks", "welcome"]);
    let welcome = &listed[1];
    assert_eq!(
        (welcome.id, welcome.recorded_by.as_deref(), welcome.approved_at),
        (first, Some("voces@digna.test"), None)
    );
    assert_eq!(store.voice_audio(&welcome.sha256).await.unwrap(), Some(vec![1; 64]));

    // Approved as heard; not a sound she did not hear.
    let other_sound = "03".repeat(32);
    assert!(!store
        .approve_voice(first, &other_sound, "Nuevo", 2, admin, 5, &line("voice.approve", "qu welcome"))
        .await
        .unwrap());
    assert!(store
        .approve_voice(first, &welcome.sha256, "Nuevo", 2, admin, 5, &line("voice.approve", "qu welcome"))
        .await
        .unwrap());
    let approved = store.voices().await.unwrap().remove(1);
    assert_eq!((approved.text.as_str(), approved.survey_version, approved.approved_at), ("Nuevo", 2, Some(5)));
    assert_eq!(approved.approved_by.as_deref(), Some("voces@digna.test"));

    // Recorded again: the same prompt, a new sound, to be approved again.
    let again = store.save_voice(&voice("welcome", 4, Some(admin)), &line("voice.record", "qu welcome")).await.unwrap();
    let listed = store.voices().await.unwrap();
    assert_eq!(listed.len(), 2, "one recording per prompt");
    assert_eq!((again, listed[1].approved_at, listed[1].sha256.as_str()), (first, None, "04".repeat(32).as_str()));
    assert_eq!(store.voice_audio(&"01".repeat(32)).await.unwrap(), None, "the old sound is gone");

    assert!(store.remove_voice(first, &line("voice.remove", "qu welcome")).await.unwrap());
    assert!(!store.remove_voice(first, &line("voice.remove", "qu welcome")).await.unwrap(), "removed once");
    let audited = super::accounts::actions(store).await;
    let voices: Vec<&str> = audited.iter().filter(|a| a.starts_with("voice.")).map(String::as_str).collect();
    let expected = ["voice.record", "voice.record", "voice.approve", "voice.record", "voice.remove"];
    assert_eq!(voices, expected, "what changed something, once each");
}

pub async fn recordings_move_between_installations_whole<S: Store>(store: &S) {
    store.save_voice(&voice("welcome", 1, None), &line("voice.record", "qu welcome")).await.unwrap();
    let file = |key: &str, sound: u8, approved: bool| VoiceFile {
        language: "ay".into(),
        text_key: key.into(),
        text: "Jallalla".into(),
        survey_version: 3,
        audio: vec![sound; 10],
        sha256: format!("{sound:02x}").repeat(32),
        millis: 900,
        approved,
    };
    let files = [file("welcome", 7, true), file("thanks", 8, false)];
    assert_eq!(store.import_voices(&files, 77, &line("voice.import", "2")).await.unwrap(), 2);
    let all = store.voice_files().await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().filter(|f| f.language == "ay").cloned().collect::<Vec<_>>(),
        [file("thanks", 8, false), file("welcome", 7, true)]
    );
    // Imported again, changed: replaced, not doubled.
    let changed = [VoiceFile { approved: false, ..file("welcome", 9, true) }];
    store.import_voices(&changed, 78, &line("voice.import", "1")).await.unwrap();
    let ay: Vec<VoiceFile> = store.voice_files().await.unwrap().into_iter().filter(|f| f.language == "ay").collect();
    assert_eq!(ay.len(), 2);
    assert_eq!((ay[1].audio.clone(), ay[1].approved), (vec![9; 10], false));
}
