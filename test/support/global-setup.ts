// Starts what the whole test run shares (a throwaway PostgreSQL server, when the binaries exist).
// Filled in by the PostgreSQL adapter work; kept as a real module so jest's config is stable.
export default async function globalSetup(): Promise<void> {}
