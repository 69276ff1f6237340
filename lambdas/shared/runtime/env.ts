/**
 * Reads a required environment variable once, failing at module load with a message that names
 * the variable rather than later with an undefined.
 */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is required but not set`);
  return value;
};

/** An optional integer environment variable with a default. */
export const intEnv = (name: string, fallback: number): number => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`Environment variable ${name} must be an integer, got ${JSON.stringify(value)}`);
  return parsed;
};

/** An optional boolean environment variable (`true`/`false`) with a default. */
export const boolEnv = (name: string, fallback: boolean): boolean => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (value !== 'true' && value !== 'false') throw new Error(`Environment variable ${name} must be true or false`);
  return value === 'true';
};
