-- Reference outages: one scope vocabulary (national | regional | local | asn | unknown) with the list's own text
-- kept in scope_raw, and the area within the country (docs/reference.md). Rows imported before this migration had
-- the raw text in `scope` (IODA rows: country | region | asn, the raw text being in `raw`); they are mapped here by
-- the same table as services/reference/scope.ts uses for new imports.
ALTER TABLE reference_outages ADD COLUMN scope_raw TEXT;
ALTER TABLE reference_outages ADD COLUMN area TEXT;

UPDATE reference_outages SET scope_raw = coalesce(
  CASE WHEN json_valid(raw) AND json_type(raw) = 'object' THEN nullif(trim(json_extract(raw, '$."Scope (based on granularity at which the outage appears in IODA)"')), '') END,
  nullif(trim(scope), '')
);

UPDATE reference_outages SET scope = (
  SELECT CASE
    WHEN f IS NULL OR f = '' THEN 'unknown'
    WHEN f IN ('national', 'nationwide', 'nation wide', 'countrywide', 'country wide', 'country', 'whole country', 'multi regional', 'multiregional', 'level 3')
      OR f LIKE 'country (%' OR f LIKE '%more than one state%' OR f LIKE '%more than one province%' OR f LIKE '%more than one region%'
      OR f LIKE '%several states%' OR f LIKE '%several provinces%' OR f LIKE '%several regions%' OR f LIKE '%multiple states%' OR f LIKE '%multiple provinces%' OR f LIKE '%multiple regions%'
      THEN 'national'
    WHEN f IN ('regional', 'region', 'state', 'province', 'level 2')
      OR f LIKE 'region (%' OR f LIKE '%more than one city%' OR f LIKE '%several cities%' OR f LIKE '%multiple cities%'
      THEN 'regional'
    WHEN f IN ('local', 'city', 'county', 'village', 'district', 'level 1')
      OR f LIKE '%one city%' OR f LIKE '%one county%' OR f LIKE '%one village%'
      THEN 'local'
    WHEN f IN ('as', 'asn', 'as level', 'autonomous system', 'network') OR f LIKE 'as (%'
      THEN 'asn'
    ELSE 'unknown'
  END
  FROM (
    SELECT trim(replace(replace(replace(replace(replace(replace(lower(reference_outages.scope_raw), char(9), ' '), '-', ' '), '_', ' '), '  ', ' '), '  ', ' '), '  ', ' ')) AS f
  )
);

UPDATE reference_outages SET area = scope_detail WHERE scope <> 'asn' AND scope_detail IS NOT NULL AND trim(scope_detail) <> '';

CREATE INDEX reference_outages_list_scope ON reference_outages (list, scope);
