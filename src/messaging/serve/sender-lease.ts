/** The lease the one sending `ag serve` holds (the others stand by); its holder names the process. */
export const SENDER_LEASE = 'messaging-sender';
