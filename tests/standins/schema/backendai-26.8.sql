-- A stand-in for Backend.AI's schema: Backend.AI creates its tables with
-- `backend.ai mgr schema oneshot`, from its Python package, which cannot be installed
-- on this machine (PyPI is not reachable). These are the tables fixtures fill, with the
-- columns, types, keys, defaults and foreign keys of Backend.AI 26.8's models
-- (src/ai/backend/manager/models/*/row.py, summarized in backendai-facts.md section 6).
-- 26.4 differs only in scaling_groups.is_default, which it lacks.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TYPE defaultforunspecified AS ENUM ('LIMITED', 'UNLIMITED');

CREATE TABLE domains (
    name varchar(64) PRIMARY KEY,
    id uuid NOT NULL UNIQUE DEFAULT uuid_generate_v4(),
    description varchar(512),
    is_active boolean NOT NULL DEFAULT true,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz DEFAULT now(),
    modified_at timestamptz DEFAULT now(),
    total_resource_slots jsonb NOT NULL DEFAULT '{}',
    allowed_vfolder_hosts jsonb NOT NULL DEFAULT '{}',
    allowed_docker_registries varchar[] NOT NULL DEFAULT '{}',
    integration_id varchar(512),
    dotfiles bytea NOT NULL DEFAULT '\x90'
);
CREATE UNIQUE INDEX uq_domains_is_default ON domains (is_default) WHERE is_default;

CREATE TABLE user_resource_policies (
    name varchar(256) PRIMARY KEY,
    uuid uuid UNIQUE DEFAULT uuid_generate_v4(),
    created_at timestamptz DEFAULT now(),
    max_vfolder_count integer NOT NULL,
    max_quota_scope_size bigint NOT NULL,
    max_session_count_per_model_session integer NOT NULL,
    max_customized_image_count integer NOT NULL DEFAULT 3,
    max_concurrent_logins integer
);

CREATE TABLE project_resource_policies (
    name varchar(256) PRIMARY KEY,
    uuid uuid UNIQUE DEFAULT uuid_generate_v4(),
    created_at timestamptz DEFAULT now(),
    max_vfolder_count integer NOT NULL,
    max_quota_scope_size bigint NOT NULL,
    max_network_count integer NOT NULL
);

CREATE TABLE keypair_resource_policies (
    name varchar(256) PRIMARY KEY,
    uuid uuid UNIQUE DEFAULT uuid_generate_v4(),
    created_at timestamptz DEFAULT now(),
    is_default boolean NOT NULL DEFAULT false,
    default_for_unspecified defaultforunspecified NOT NULL DEFAULT 'LIMITED',
    total_resource_slots jsonb NOT NULL DEFAULT '{}',
    max_session_lifetime integer NOT NULL DEFAULT 0,
    max_concurrent_sessions integer NOT NULL,
    max_pending_session_count integer,
    max_pending_session_resource_slots jsonb,
    max_concurrent_sftp_sessions integer NOT NULL DEFAULT 1,
    max_containers_per_session integer NOT NULL,
    idle_timeout bigint NOT NULL,
    allowed_vfolder_hosts jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE groups (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name varchar(64) NOT NULL,
    description varchar(512),
    is_active boolean DEFAULT true,
    created_at timestamptz DEFAULT now(),
    modified_at timestamptz DEFAULT now(),
    integration_id varchar(512),
    domain_name varchar(64) NOT NULL REFERENCES domains (name) ON UPDATE CASCADE ON DELETE CASCADE,
    total_resource_slots jsonb NOT NULL DEFAULT '{}',
    allowed_vfolder_hosts jsonb NOT NULL DEFAULT '{}',
    dotfiles bytea NOT NULL DEFAULT '\x90',
    resource_policy varchar(256) NOT NULL REFERENCES project_resource_policies (name),
    type varchar(64) NOT NULL DEFAULT 'general',
    container_registry jsonb,
    UNIQUE (name, domain_name)
);

CREATE TABLE scaling_groups (
    name varchar(64) PRIMARY KEY,
    id uuid NOT NULL UNIQUE DEFAULT uuid_generate_v4(),
    description varchar(512),
    is_active boolean DEFAULT true,
    is_public boolean NOT NULL DEFAULT true,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz DEFAULT now(),
    wsproxy_addr varchar(1024),
    wsproxy_api_token varchar(128),
    driver varchar(64) NOT NULL,
    driver_opts jsonb NOT NULL DEFAULT '{}',
    scheduler varchar(64) NOT NULL,
    use_host_network boolean NOT NULL DEFAULT false,
    scheduler_opts jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX uq_scaling_groups_is_default ON scaling_groups (is_default) WHERE is_default;

CREATE TABLE sgroups_for_domains (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    scaling_group varchar(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    domain varchar(64) NOT NULL REFERENCES domains (name) ON DELETE CASCADE,
    CONSTRAINT uq_sgroup_domain UNIQUE (scaling_group, domain)
);

CREATE TABLE sgroups_for_groups (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    scaling_group varchar(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    "group" uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    CONSTRAINT uq_sgroup_ugroup UNIQUE (scaling_group, "group")
);

CREATE TABLE keypairs (
    access_key varchar(20) PRIMARY KEY,
    id uuid NOT NULL UNIQUE DEFAULT uuid_generate_v4(),
    user_id varchar(256),
    secret_key varchar(40),
    is_active boolean,
    is_admin boolean DEFAULT false,
    created_at timestamptz DEFAULT now(),
    modified_at timestamptz DEFAULT now(),
    last_used timestamptz,
    rate_limit integer,
    num_queries integer DEFAULT 0,
    ssh_public_key text,
    ssh_private_key text,
    "user" uuid NOT NULL,
    resource_policy varchar(256) NOT NULL REFERENCES keypair_resource_policies (name),
    dotfiles bytea NOT NULL DEFAULT '\x90',
    bootstrap_script varchar(65536) NOT NULL DEFAULT ''
);

CREATE TABLE sgroups_for_keypairs (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    scaling_group varchar(64) NOT NULL REFERENCES scaling_groups (name) ON DELETE CASCADE,
    access_key varchar(20) NOT NULL REFERENCES keypairs (access_key) ON DELETE CASCADE,
    CONSTRAINT uq_sgroup_akey UNIQUE (scaling_group, access_key)
);

CREATE TABLE users (
    uuid uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    username varchar(64) UNIQUE,
    email varchar(64) NOT NULL UNIQUE,
    password varchar,
    need_password_change boolean,
    password_changed_at timestamptz DEFAULT now(),
    full_name varchar(64),
    description varchar(500),
    status varchar(64) NOT NULL DEFAULT 'active',
    status_info varchar(64),
    created_at timestamptz DEFAULT now(),
    modified_at timestamptz DEFAULT now(),
    domain_name varchar(64) REFERENCES domains (name),
    role varchar(64) DEFAULT 'user',
    allowed_client_ip inet[],
    totp_key varchar(32),
    totp_activated boolean DEFAULT false,
    totp_activated_at timestamptz,
    resource_policy varchar(256) NOT NULL REFERENCES user_resource_policies (name),
    sudo_session_enabled boolean NOT NULL DEFAULT false,
    main_access_key varchar(20) REFERENCES keypairs (access_key) ON DELETE SET NULL,
    integration_id varchar(512),
    container_uid integer,
    container_main_gid integer,
    container_gids integer[]
);
ALTER TABLE keypairs ADD FOREIGN KEY ("user") REFERENCES users (uuid);

CREATE TABLE association_groups_users (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id uuid NOT NULL REFERENCES users (uuid) ON UPDATE CASCADE ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES groups (id) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT uq_association_user_id_group_id UNIQUE (user_id, group_id)
);

CREATE TABLE association_scopes_entities (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    scope_type varchar(32) NOT NULL,
    scope_id varchar(64) NOT NULL,
    entity_type varchar(32) NOT NULL,
    entity_id varchar(64) NOT NULL,
    relation_type varchar(32) NOT NULL DEFAULT 'auto',
    registered_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_scope_id_entity_id UNIQUE (scope_type, scope_id, entity_id)
);

CREATE TABLE resource_presets (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name varchar(256) NOT NULL,
    resource_slots jsonb NOT NULL,
    shared_memory bigint,
    scaling_group_name varchar(64) REFERENCES scaling_groups (name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX uq_resource_presets_name_null_scaling_group_name ON resource_presets (name) WHERE scaling_group_name IS NULL;
CREATE UNIQUE INDEX uq_resource_presets_name_scaling_group_name ON resource_presets (name, scaling_group_name) WHERE scaling_group_name IS NOT NULL;

CREATE TABLE container_registries (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    url varchar(512) NOT NULL,
    registry_name varchar(255) NOT NULL,
    type varchar(64) NOT NULL DEFAULT 'docker',
    project varchar(255),
    username varchar(255),
    password varchar,
    ssl_verify boolean DEFAULT true,
    is_global boolean DEFAULT true,
    extra jsonb
);
