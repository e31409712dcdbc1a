/**
 * Production mode (NODE_ENV=production) is safe by default: it refuses to start without the secrets
 * that protect the record, and names each one that is missing. The demo (`npm start` without it) needs
 * none of them.
 */
import { loadCheckpointKeys } from '../audit/checkpoints';
import { DEV_JWT_SECRET } from '../shared/auth';
import type { Env } from '../shared/config';
import { parseMasterKey } from '../shared/pii/vault';

export const isProduction = (env: Env) => env.NODE_ENV === 'production';

/** Every setting production lacks or holds unsafely, one sentence each naming the variable. */
export function productionRefusals(env: Env, dataDir: string): string[] {
  const refusals = tokenRefusals(env);
  if (!env.DUMAS_VAULT_MASTER_KEY) {
    refusals.push(
      "DUMAS_VAULT_MASTER_KEY (base64 of 32 random bytes) must be set: complainants' data keys would be kept unwrapped",
    );
  } else {
    try {
      parseMasterKey(env.DUMAS_VAULT_MASTER_KEY);
    } catch (err) {
      refusals.push((err as Error).message);
    }
  }
  if (!env.DUMAS_CHECKPOINT_PRIVATE_KEY && !env.DUMAS_CHECKPOINT_PRIVATE_KEY_FILE) {
    refusals.push(
      'DUMAS_CHECKPOINT_PRIVATE_KEY or DUMAS_CHECKPOINT_PRIVATE_KEY_FILE (an Ed25519 key kept outside DUMAS_DATA_DIR) must be set: checkpoints cannot be signed',
    );
  } else {
    try {
      loadCheckpointKeys(
        dataDir,
        {
          checkpointPrivateKey: env.DUMAS_CHECKPOINT_PRIVATE_KEY,
          checkpointPrivateKeyFile: env.DUMAS_CHECKPOINT_PRIVATE_KEY_FILE,
          checkpointPublicKey: env.DUMAS_CHECKPOINT_PUBLIC_KEY,
        },
        { production: true },
      );
    } catch (err) {
      refusals.push((err as Error).message);
    }
  }
  refusals.push(...gatewaySecretRefusals(env));
  return refusals;
}

/** Who may call: tokens are verified with a secret of our own or by an OIDC provider's keys. */
function tokenRefusals(env: Env): string[] {
  const refusals: string[] = [];
  const secret = env.DUMAS_JWT_SECRET;
  if (!env.DUMAS_JWKS_URL) {
    if (!secret) {
      refusals.push(
        'DUMAS_JWT_SECRET (at least 32 bytes) or DUMAS_JWKS_URL (an OIDC issuer such as Keycloak) must be set: tokens cannot be verified',
      );
    } else if (secret === DEV_JWT_SECRET) {
      refusals.push('DUMAS_JWT_SECRET is the development secret, which is public');
    } else if (Buffer.byteLength(secret) < 32) {
      refusals.push('DUMAS_JWT_SECRET must be at least 32 bytes');
    }
  }
  return refusals;
}

function gatewaySecretRefusals(env: Env): string[] {
  const refusals: string[] = [];
  // Subgraphs answer only the gateway in production (unless told otherwise): they must share its secret.
  const gatewaySecret = env.DUMAS_GATEWAY_SECRET;
  if (env.DUMAS_SUBGRAPH_GATEWAY_ONLY !== 'false') {
    if (!gatewaySecret) {
      refusals.push(
        'DUMAS_GATEWAY_SECRET (at least 32 bytes, the same for the gateway and every subgraph) must be set: subgraphs answer only calls the gateway signs',
      );
    } else if (Buffer.byteLength(gatewaySecret) < 32) {
      refusals.push('DUMAS_GATEWAY_SECRET must be at least 32 bytes');
    }
  }
  return refusals;
}

/** What the gateway alone needs in production: token verification and the secret it signs calls with. */
export function gatewayProductionRefusals(env: Env): string[] {
  return [...tokenRefusals(env), ...gatewaySecretRefusals(env)];
}

export class ProductionRefusedError extends Error {
  constructor(readonly refusals: readonly string[]) {
    super(`refusing to start with NODE_ENV=production:\n${refusals.map((r) => `  - ${r}`).join('\n')}`);
    this.name = 'ProductionRefusedError';
  }
}

/** Throws, naming every missing setting, when production mode lacks what it needs. */
export function assertProductionReady(env: Env, dataDir: string): void {
  if (!isProduction(env)) return;
  const refusals = productionRefusals(env, dataDir);
  if (refusals.length) throw new ProductionRefusedError(refusals);
}

/** The same for a gateway started on its own (gateway/index.ts): only what the gateway needs. */
export function assertGatewayProductionReady(env: Env = process.env): void {
  if (!isProduction(env)) return;
  const refusals = gatewayProductionRefusals(env);
  if (refusals.length) throw new ProductionRefusedError(refusals);
}
