-- Up Migration
-- The administrator's review of what each gateway sent that was refused
-- (device-protocol.md "Receipts": every rejection kept with its raw input for
-- review; issue 17): a gateway's rejections, newest first, a page at a time
-- by id, through this index rather than a sort of all the gateway's rows.
CREATE INDEX rejections_tenant_gateway_id ON rejections (tenant_id, gateway_id, id DESC);

-- Down Migration
DROP INDEX rejections_tenant_gateway_id;
