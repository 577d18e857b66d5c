/**
 * The shape of every id (generated in src/lib/ids.ts). Ids double as folder names under
 * DATA_DIR, so every id that arrives in a request is checked against it.
 */
export const ID_PATTERN = /^[a-z]{1,4}_[0-9a-z]{16}$/;
