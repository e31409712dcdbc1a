/** From read-model documents to what the GraphQL types hold, for one caller. */
import { ERASED } from '../../shared/pii/sealed';
import { openComplainantIdentity } from '../../shared/pii/identity';
import type { KeyVault } from '../../shared/pii/vault';
import type { Principal } from '../../shared/auth';
import { maskComplaintForViewer } from '../access';
import type { ComplaintDocument } from '../projection';
import type { Complainant, Complaint } from './types';

/** The complaint as this caller may see it, or null (answered as if it did not exist). */
export function visibleComplaint(
  doc: ComplaintDocument | undefined,
  principal: Principal,
): ComplaintDocument | null {
  return doc ? maskComplaintForViewer(doc, principal) : null;
}

/** The GraphQL shape of a masked document; the identity is opened lazily by the `complainant` field. */
export function toComplaint(doc: ComplaintDocument): Complaint {
  return {
    ...doc,
    // Resolved by the field resolver from the document kept below.
    complainant: null,
    agencies: doc.agencyIds.map((id) => ({ id })),
    forwardings: doc.forwardings.map((f) => ({ ...f, agency: { id: f.agencyId } })),
    informationRequest: doc.informationRequest,
    rejection: doc.rejection,
    resolution: doc.resolution,
    privacyHistory: [...doc.privacyHistory],
    [DOCUMENT]: doc,
  } as Complaint;
}

export const DOCUMENT = Symbol('complaint document');

export function documentOf(complaint: Complaint): ComplaintDocument | undefined {
  return (complaint as unknown as { [DOCUMENT]?: ComplaintDocument })[DOCUMENT];
}

const MASKED: Complainant = {
  access: 'MASKED',
  name: null,
  nik: null,
  email: null,
  phone: null,
  address: null,
};
const ERASED_VIEW: Complainant = {
  access: 'ERASED',
  name: null,
  nik: null,
  email: null,
  phone: null,
  address: null,
};

/** The channel reference, opened at read time: null once the subject's key is destroyed. */
export async function channelReferenceView(doc: ComplaintDocument, vault: KeyVault): Promise<string | null> {
  if (!doc.sealedChannelReference) return doc.channelReference;
  const opened = await vault.decrypt(doc.sealedChannelReference);
  return opened === ERASED ? null : opened;
}

/** Opens the sealed identity at read time, so an erasure shows everywhere at once. */
export async function complainantView(doc: ComplaintDocument, vault: KeyVault): Promise<Complainant | null> {
  const entry = doc.complainant;
  if (!entry) return null;
  switch (entry.access) {
    case 'MASKED':
      return MASKED;
    case 'ERASED':
      return ERASED_VIEW;
    case 'SEALED': {
      const identity = await openComplainantIdentity(vault, entry.sealed);
      if (identity === ERASED) return ERASED_VIEW;
      return { access: 'VISIBLE', ...identity };
    }
  }
}
