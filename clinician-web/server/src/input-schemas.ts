/**
 * The input schemas now live in the API contract (@varde/api-contract
 * input.ts), shared with the portal; this module keeps the server's older
 * import path for the FHIR routes until they import the contract themselves.
 */
export { isStorableInstant, isStorableJson, isoInstant, storableJsonObject, storableText, uuidParam, bigintIdParam, errorBody } from '@varde/api-contract'
