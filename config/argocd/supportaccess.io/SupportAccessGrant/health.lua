-- Argo CD health of a SupportAccessGrant (docs/gitops.md). It reads the conditions the operator
-- writes for kstatus (docs/status.md), so Argo CD and Flux agree:
--   Healthy      Active, or access ended as the spec asks (Revoked, Expired);
--   Suspended    not valid yet: spec.renewedAt is ahead, access starts then;
--   Progressing  the operator has not handled this generation yet, or retries a failure;
--   Degraded     stalled until someone acts (a Secret or RoleBinding name taken, RBAC).
-- Only Argo CD's default libraries are used: no string or os functions.
local hs = { status = "Progressing", message = "Waiting for the operator to issue the credentials" }

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to handle generation " .. generation
  return hs
end

local conditions = obj.status.conditions
local stalled = condition(conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. (stalled.message or "")
  return hs
end
local reconciling = condition(conditions, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = reconciling.reason .. ": " .. (reconciling.message or "")
  return hs
end

local ready = condition(conditions, "Ready")
if ready == nil or ready.status ~= "True" then
  if ready ~= nil then
    hs.message = ready.reason .. ": " .. (ready.message or "")
  end
  return hs
end
if ready.reason == "NotYetValid" then
  hs.status = "Suspended"
  hs.message = ready.message or "Not valid yet"
  return hs
end
hs.status = "Healthy"
local phase = obj.status.phase or ""
if phase == "Active" then
  hs.message = "Active until " .. (obj.status.expiresAt or "its expiry") .. " (" .. (obj.spec.accessLevel or "Limited") .. " access)"
elseif phase == "Revoked" or phase == "Expired" then
  hs.message = phase .. ": " .. (ready.message or "no access")
else
  hs.message = ready.message or phase
end
return hs
