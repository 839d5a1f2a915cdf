//! The tables, in types both SQLite and PostgreSQL store alike: text ids,
//! UTC timestamps without zone, JSON as text.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        is_platform_admin -> Bool,
        created_at -> Timestamp,
        last_signed_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    societies (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        country -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    society_roles (user_id, society_id) {
        user_id -> Text,
        society_id -> Text,
        role -> Text,
        person_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    disabled_logins (user_id) {
        user_id -> Text,
        disabled_at -> Timestamp,
        disabled_by -> Nullable<Text>,
    }
}

diesel::table! {
    society_profiles (society_id) {
        society_id -> Text,
        contact_email -> Nullable<Text>,
        website -> Nullable<Text>,
        phone -> Nullable<Text>,
        logo -> Nullable<Binary>,
        logo_type -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    society_retention (society_id) {
        society_id -> Text,
        unused_logins_days -> Nullable<Integer>,
        sessions_days -> Nullable<Integer>,
        updated_at -> Timestamp,
        notifications_days -> Nullable<Integer>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (subject) {
        subject -> Text,
        failures -> Integer,
        last_attempt_at -> Timestamp,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        last_id -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        society_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        content_hash -> Nullable<Text>,
    }
}

diesel::table! {
    pathway_versions (id) {
        id -> Text,
        society_id -> Text,
        number -> Integer,
        pathway_id -> Text,
        title -> Text,
        version_label -> Text,
        effective_from -> Date,
        document -> Text,
        preset -> Nullable<Text>,
        uploaded_at -> Timestamp,
        uploaded_by -> Nullable<Text>,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        society_id -> Text,
        title -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Text,
        display_name -> Nullable<Text>,
        sort_name -> Text,
        search_text -> Text,
        backgrounds -> Text,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        email -> Nullable<Text>,
        public_listing -> Bool,
        entered_pathway_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    register_entries (id) {
        id -> Text,
        society_id -> Text,
        registration -> Text,
        person_id -> Text,
        first_accredited -> Date,
        status -> Text,
        tier -> Text,
        valid_until -> Nullable<Date>,
        lapses_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        latest_change_on -> Nullable<Date>,
    }
}

diesel::table! {
    register_changes (entry_id, seq) {
        entry_id -> Text,
        seq -> Integer,
        effective -> Date,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        visibility -> Text,
        tier -> Nullable<Text>,
        valid_until -> Nullable<Date>,
        grace_days -> Nullable<Integer>,
        recorded_at -> Timestamp,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    registration_counters (society_id) {
        society_id -> Text,
        next_number -> BigInt,
    }
}

diesel::table! {
    activities (id) {
        id -> Text,
        society_id -> Text,
        person_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        amount_thousandths -> BigInt,
        unit -> Text,
        duration_minutes -> Nullable<Integer>,
        cases -> Nullable<Integer>,
        delivery -> Text,
        attestor_id -> Nullable<Text>,
        co_leader_id -> Nullable<Text>,
        supervisor_id -> Nullable<Text>,
        group_name -> Nullable<Text>,
        ongoing_group -> Bool,
        setting -> Nullable<Text>,
        event_type -> Nullable<Text>,
        provider -> Nullable<Text>,
        provider_approved -> Bool,
        supervision_format -> Nullable<Text>,
        report_type -> Nullable<Text>,
        prerequisite_type -> Nullable<Text>,
        notes -> Nullable<Text>,
        corrects_id -> Nullable<Text>,
        status -> Text,
        decided_by_user_id -> Nullable<Text>,
        decided_by_person_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Nullable<Text>,
        recorded_by_user_id -> Nullable<Text>,
        recorded_at -> Timestamp,
        updated_at -> Timestamp,
        days -> Nullable<Integer>,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        society_id -> Text,
        person_id -> Text,
        tier -> Text,
        basis -> Text,
        basis_reason -> Nullable<Text>,
        note -> Nullable<Text>,
        pathway_version_number -> Integer,
        eligible -> Bool,
        assessment -> Text,
        status -> Text,
        applied_at -> Timestamp,
        applied_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        effective -> Nullable<Date>,
        decision_reason -> Nullable<Text>,
        decision_visibility -> Nullable<Text>,
        registration -> Nullable<Text>,
        valid_until -> Nullable<Date>,
    }
}

diesel::table! {
    requirement_overrides (id) {
        id -> Text,
        society_id -> Text,
        person_id -> Text,
        tier -> Text,
        requirement -> Text,
        kind -> Text,
        credit_thousandths -> Nullable<BigInt>,
        reason -> Text,
        recorded_on -> Date,
        recorded_at -> Timestamp,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    /// A version number per person's ledger, moved on by triggers whenever
    /// one of their records is written (migration
    /// `2027-01-03-000200_ledger_versions`).
    ledger_versions (person_id) {
        person_id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    /// A version number per society's list of people, moved on by triggers
    /// whenever a person is added, removed or moved in the list's order
    /// (migration `2027-01-05-000100_people_versions`).
    people_versions (society_id) {
        society_id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    /// Moved on by triggers whenever the society's public register may have
    /// changed (migration `2026-01-08-000100_register_versions`).
    register_versions (society_id) {
        society_id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    /// The entries each move of a society's register version touched,
    /// written by the same triggers (migration
    /// `2026-12-30-000100_register_touches`).
    register_touches (society_id, version, entry_id) {
        society_id -> Text,
        version -> BigInt,
        entry_id -> Text,
    }
}

diesel::table! {
    /// Events to tell, written with the change they tell of (migration
    /// `2026-12-24-000100_outbox`).
    outbox_events (id) {
        id -> Text,
        society_id -> Text,
        event_type -> Text,
        person_id -> Nullable<Text>,
        payload -> Text,
        dedup_key -> Nullable<Text>,
        created_at -> Timestamp,
        fanned_out_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        society_id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        secret -> Text,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        watchlist_id -> Nullable<Text>,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        society_id -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    /// Registration numbers watched, by e-mail or webhook (migration
    /// `2027-01-01-000100_watchlists`).
    watchlists (id) {
        id -> Text,
        society_id -> Text,
        owner_user_id -> Nullable<Text>,
        email -> Nullable<Text>,
        endpoint_id -> Nullable<Text>,
        manage_token -> Text,
        confirm_token -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    watchlist_entries (watchlist_id, registration) {
        watchlist_id -> Text,
        registration -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, attempt) {
        delivery_id -> Text,
        attempt -> Integer,
        tried_at -> Timestamp,
        status -> Nullable<Integer>,
        response -> Text,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    /// E-mail made from the outbox's events (migration
    /// `2026-12-28-000100_mail`).
    mail_messages (id) {
        id -> Text,
        society_id -> Text,
        kind -> Text,
        person_id -> Nullable<Text>,
        recipient -> Text,
        reply_to -> Nullable<Text>,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        digest -> Nullable<Text>,
        unsubscribe_token -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_result -> Nullable<Text>,
    }
}

diesel::table! {
    mail_attempts (message_id, attempt) {
        message_id -> Text,
        attempt -> Integer,
        tried_at -> Timestamp,
        sent -> Bool,
        result -> Text,
    }
}

diesel::table! {
    mail_unsubscribes (society_id, recipient, kind) {
        society_id -> Text,
        recipient -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attendance_certificates (id) {
        id -> Text,
        code -> Text,
        society_id -> Text,
        person_id -> Text,
        person_name -> Text,
        society_name -> Text,
        period_from -> Date,
        period_to -> Date,
        sessions_in_person -> BigInt,
        sessions_online -> BigInt,
        minutes_in_person -> BigInt,
        minutes_online -> BigInt,
        leaders -> Text,
        scheme_id -> Nullable<Text>,
        scheme_title -> Nullable<Text>,
        scheme_met -> Nullable<Bool>,
        issued_by_user_id -> Nullable<Text>,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    training_programmes (id) {
        id -> Text,
        society_id -> Text,
        slug -> Text,
        name -> Text,
        sessions_required -> Integer,
        assessment_months -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programme_trainees (programme_id, person_id) {
        programme_id -> Text,
        person_id -> Text,
        joined_on -> Date,
    }
}

diesel::table! {
    /// A society's Balint groups (migration `2026-12-22-000100_groups`).
    groups (id) {
        id -> Text,
        society_id -> Text,
        name -> Text,
        audience -> Nullable<Text>,
        term -> Text,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        delivery -> Text,
        usual_minutes -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    group_leaders (id) {
        id -> Text,
        group_id -> Text,
        person_id -> Text,
        role -> Text,
        from_on -> Date,
        to_on -> Nullable<Date>,
    }
}

diesel::table! {
    group_members (id) {
        id -> Text,
        group_id -> Text,
        person_id -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
    }
}

diesel::table! {
    group_sessions (id) {
        id -> Text,
        group_id -> Text,
        society_id -> Text,
        held_on -> Date,
        minutes -> Integer,
        delivery -> Text,
        cases_presented -> Integer,
        follow_ups -> Integer,
        recorded_by_user_id -> Nullable<Text>,
        recorded_by_person_id -> Text,
        recorded_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    group_session_people (session_id, person_id) {
        session_id -> Text,
        person_id -> Text,
        attendance -> Text,
        presented -> Bool,
    }
}

diesel::table! {
    group_session_records (session_id, person_id) {
        session_id -> Text,
        person_id -> Text,
        activity_id -> Text,
        linked -> Bool,
    }
}

diesel::table! {
    group_planned_sessions (id) {
        id -> Text,
        group_id -> Text,
        society_id -> Text,
        on_day -> Date,
        starts_at -> Timestamp,
        utc_offset_minutes -> Integer,
        minutes -> Integer,
        delivery -> Text,
        place -> Nullable<Text>,
        note -> Nullable<Text>,
        status -> Text,
        session_id -> Nullable<Text>,
        sequence -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Text,
        society_id -> Text,
        person_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    issuer_keys (society_id, number) {
        society_id -> Text,
        number -> Integer,
        public_key -> Binary,
        sealed_secret -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    credential_statuses (entry_id) {
        entry_id -> Text,
        society_id -> Text,
        status_index -> Integer,
        suspended -> Bool,
        revoked -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    credentials (id) {
        id -> Text,
        society_id -> Text,
        entry_id -> Text,
        tier -> Text,
        key_number -> Integer,
        issued_at -> Timestamp,
        document -> Text,
    }
}

diesel::joinable!(society_roles -> users (user_id));
diesel::joinable!(society_roles -> societies (society_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(society_retention -> societies (society_id));
diesel::joinable!(audit_log -> societies (society_id));
diesel::joinable!(register_touches -> societies (society_id));
diesel::joinable!(pathway_versions -> societies (society_id));
diesel::joinable!(people -> societies (society_id));

diesel::joinable!(register_entries -> people (person_id));
diesel::joinable!(register_changes -> register_entries (entry_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(mail_attempts -> mail_messages (message_id));
diesel::joinable!(watchlist_entries -> watchlists (watchlist_id));
diesel::joinable!(programme_trainees -> training_programmes (programme_id));
diesel::joinable!(programme_trainees -> people (person_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_chain_head,
    ledger_versions,
    people_versions,
    users,
    societies,
    society_roles,
    sessions,
    disabled_logins,
    password_resets,
    society_profiles,
    society_retention,
    login_throttle,
    audit_log,
    pathway_versions,
    people,
    activities,
    register_entries,
    register_changes,
    registration_counters,
    register_touches,
    applications,
    requirement_overrides,
    outbox_events,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    mail_messages,
    mail_attempts,
    mail_unsubscribes,
    watchlists,
    watchlist_entries,
    attendance_certificates,
    training_programmes,
    programme_trainees,
    groups,
    group_leaders,
    group_members,
    group_sessions,
    group_session_people,
    group_session_records,
    group_planned_sessions,
    calendar_feeds,
    issuer_keys,
    credential_statuses,
    credentials,
);
