// The seeded generator lives in its own target so the deep-learning core can share it;
// re-exported so `import Games` keeps providing it.
@_exported import Seeding
