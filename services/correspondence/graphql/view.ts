/** From read-model documents to what the GraphQL types hold, for one caller. */
import type { Principal } from '../../shared/auth';
import { seesContacts } from '../access';
import type { AgencyDoc, FocalPointDoc, LetterDoc } from '../projections';
import type { Agency, FocalPoint, Letter } from './types';

function toFocalPoint(f: FocalPointDoc, contacts: boolean): FocalPoint {
  return {
    appointmentId: f.appointmentId,
    userId: f.userId,
    name: f.name,
    position: f.position,
    email: contacts ? (f.contact.email ?? null) : null,
    phone: contacts ? (f.contact.phone ?? null) : null,
    from: f.from,
    to: f.to,
    endReason: f.endReason,
    endNote: f.endNote,
    replacedByAppointmentId: f.replacedByAppointmentId,
    current: f.to === null,
  };
}

export function toAgency(doc: AgencyDoc, principal: Principal): Agency {
  const contacts = seesContacts(principal, doc.id);
  return {
    id: doc.id,
    name: doc.name,
    kind: doc.kind,
    region: doc.region,
    regionCode: doc.regionCode ?? null,
    parentAgencyId: doc.parentAgencyId,
    contact: {
      emails: [...doc.contact.emails],
      phone: doc.contact.phone ?? null,
      address: doc.contact.address ?? null,
    },
    onboardingStatus: doc.onboardingStatus,
    onboardingHistory: doc.onboardingHistory.map((h) => ({ ...h })),
    focalPoints: doc.focalPoints.map((f) => toFocalPoint(f, contacts)),
    currentFocalPoint: doc.currentFocalPoint ? toFocalPoint(doc.currentFocalPoint, contacts) : null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

export function toLetter(doc: LetterDoc): Letter {
  return {
    id: doc.id,
    kind: doc.kind,
    direction: doc.direction,
    state: doc.state,
    agencyId: doc.agencyId,
    complaintIds: [...doc.complaintIds],
    subject: doc.subject,
    body: doc.body,
    signer: doc.signer
      ? { name: doc.signer.name, position: doc.signer.position, userId: doc.signer.userId ?? null }
      : null,
    attachments: doc.attachments.map((a) => ({ ...a })),
    relatedLetterId: doc.relatedLetterId,
    replyLetterIds: [...doc.replyLetterIds],
    number: doc.number,
    signatureReference: doc.signatureReference,
    channel: doc.channel,
    eOfficeNumber: doc.eOfficeNumber,
    messageId: doc.messageId,
    agencyLetterNumber: doc.agencyLetterNumber,
    agencyLetterDate: doc.agencyLetterDate,
    deliveryEvidence: doc.deliveryEvidence,
    draftedAt: doc.draftedAt,
    approvedAt: doc.approvedAt,
    approvedBy: doc.approvedBy,
    sentAt: doc.sentAt,
    deliveredAt: doc.deliveredAt,
    acknowledgedAt: doc.acknowledgedAt,
    repliedAt: doc.repliedAt,
    registeredBy: doc.registeredBy,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}
