/**
 * The longest HeartBtInt (108) a session uses, in seconds: our own is configured up to it, and an acceptor cuts a
 * peer's longer one to it (liveness is never left unchecked for longer).
 */
export const MAX_HEART_BT_INT_SEC = 300;

/** FIX 4.2 tag numbers used by the codec and session layer. */
export const Tag = {
  Account: 1,
  AvgPx: 6,
  BeginSeqNo: 7,
  BeginString: 8,
  BodyLength: 9,
  CheckSum: 10,
  ClOrdID: 11,
  Commission: 12,
  CommType: 13,
  CumQty: 14,
  Currency: 15,
  EndSeqNo: 16,
  ExecID: 17,
  ExecTransType: 20,
  HandlInst: 21,
  LastPx: 31,
  LastShares: 32,
  MsgSeqNum: 34,
  MsgType: 35,
  NewSeqNo: 36,
  OrderID: 37,
  OrderQty: 38,
  OrdStatus: 39,
  OrdType: 40,
  OrigClOrdID: 41,
  PossDupFlag: 43,
  Price: 44,
  RefSeqNum: 45,
  SenderCompID: 49,
  SendingTime: 52,
  Side: 54,
  Symbol: 55,
  TargetCompID: 56,
  Text: 58,
  TimeInForce: 59,
  TransactTime: 60,
  Signature: 89,
  SecureDataLen: 90,
  SecureData: 91,
  SignatureLength: 93,
  RawDataLength: 95,
  RawData: 96,
  PossResend: 97,
  EncryptMethod: 98,
  StopPx: 99,
  CxlRejReason: 102,
  OrdRejReason: 103,
  HeartBtInt: 108,
  TestReqID: 112,
  OrigSendingTime: 122,
  GapFillFlag: 123,
  ExpireTime: 126,
  BidPx: 132,
  OfferPx: 133,
  BidSize: 134,
  OfferSize: 135,
  ResetSeqNumFlag: 141,
  NoRelatedSym: 146,
  ExecType: 150,
  LeavesQty: 151,
  XmlDataLen: 212,
  XmlData: 213,
  MDReqID: 262,
  SubscriptionRequestType: 263,
  MarketDepth: 264,
  MDUpdateType: 265,
  AggregatedBook: 266,
  NoMDEntryTypes: 267,
  NoMDEntries: 268,
  MDEntryType: 269,
  MDEntryPx: 270,
  MDEntrySize: 271,
  MDEntryDate: 272,
  MDEntryTime: 273,
  MDUpdateAction: 279,
  MDReqRejReason: 281,
  MDEntryID: 278,
  QuoteID: 117,
  EncodedTextLen: 354,
  EncodedText: 355,
  RefTagID: 371,
  RefMsgType: 372,
  SessionRejectReason: 373,
  BusinessRejectRefID: 379,
  BusinessRejectReason: 380,
  CxlRejResponseTo: 434
} as const;

/** FIX 4.2 MsgType values used here. */
export const MsgType = {
  Heartbeat: '0',
  TestRequest: '1',
  ResendRequest: '2',
  Reject: '3',
  SequenceReset: '4',
  Logout: '5',
  Logon: 'A',
  ExecutionReport: '8',
  OrderCancelReject: '9',
  NewOrderSingle: 'D',
  OrderCancelRequest: 'F',
  OrderCancelReplaceRequest: 'G',
  OrderStatusRequest: 'H',
  Quote: 'S',
  MarketDataRequest: 'V',
  MarketDataSnapshotFullRefresh: 'W',
  MarketDataIncrementalRefresh: 'X',
  MarketDataRequestReject: 'Y',
  BusinessMessageReject: 'j'
} as const;

/** FIX 4.2 SessionRejectReason (373) codes. */
export const SessionRejectReason = {
  InvalidTagNumber: 0,
  RequiredTagMissing: 1,
  TagNotDefinedForMessageType: 2,
  UndefinedTag: 3,
  TagSpecifiedWithoutValue: 4,
  ValueIsIncorrect: 5,
  IncorrectDataFormat: 6,
  DecryptionProblem: 7,
  SignatureProblem: 8,
  CompIdProblem: 9,
  SendingTimeAccuracyProblem: 10,
  InvalidMsgType: 11
} as const;
export type SessionRejectReason = (typeof SessionRejectReason)[keyof typeof SessionRejectReason];

/** Session-level (admin) message types. */
export const ADMIN_MSG_TYPES: ReadonlySet<string> = new Set(['0', '1', '2', '3', '4', '5', 'A']);

/**
 * LENGTH → DATA tag pairs of FIX 4.2, used when no dictionary is given. A dictionary's own table
 * (`FixDictionary.dataTagOfLength`) takes precedence.
 */
export const DEFAULT_DATA_TAG_OF_LENGTH: Int32Array = (() => {
  const t = new Int32Array(512);
  const pairs: [number, number][] = [
    [90, 91],
    [93, 89],
    [95, 96],
    [212, 213],
    [348, 349],
    [350, 351],
    [352, 353],
    [354, 355],
    [356, 357],
    [358, 359],
    [360, 361],
    [362, 363],
    [364, 365],
    [445, 446]
  ];
  for (const [len, data] of pairs) t[len] = data;
  return t;
})();
