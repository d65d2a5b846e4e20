"""The operations GraphiQL opens with, one tab each: what an integrating developer asks
first. tests/web/test_graphiql.py validates every one against the schema, so they cannot
drift from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    query: str
    variables: str = ""


CURRENT_LIST = Example(
    "The current list",
    """\
# The subprocessor list as it stands today: no key
# is needed while the list is public. Lists are
# Relay connections: pass `after: endCursor` for
# the next page.
query CurrentList {
  subprocessors(first: 20) {
    totalCount
    edges {
      node {
        legalName
        purpose
        status
        locations { country role }
        transfers { country status mechanism }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""",
)

CUSTOMER_NOTICES = Example(
    "A customer's notices",
    """\
# A customer's notices of changes, with the dates
# that bind: when the change takes effect, and
# until when the customer may object. A CUSTOMER
# key reads its own customer's (customerId: null);
# ADMIN and PROCUREMENT keys name the customer.
# Needs a key: under Headers below, write
# {"Authorization": "Bearer rk_..."}
query CustomerNotices($customerId: ID) {
  viewer { role customer { id name } }
  notices(customerId: $customerId, first: 10) {
    totalCount
    edges {
      node {
        id
        status
        sentAt
        effectiveAt
        objectionDeadline
        change {
          kind
          description
          subprocessor { legalName }
        }
      }
    }
  }
}
""",
    '{"customerId": null}\n',
)

WEBHOOK_SUBSCRIPTION = Example(
    "A webhook subscription",
    """\
# 1. Run Subscribe: a CUSTOMER key subscribes its
#    own customer (an ADMIN key adds customerId).
#    The secret is shown once: keep it to check
#    each delivery's webhook-signature header
#    (Standard Webhooks).
# 2. Run Ping with the subscription's id: a signed
#    `ping` comes through the same queue, signature
#    and retries as real events.
# 3. Run Deliveries to see what happened.
# Needs a key: under Headers below, write
# {"Authorization": "Bearer rk_..."}
mutation Subscribe($url: String!) {
  createWebhookSubscription(input: {
    url: $url
    eventTypes: ["change.announced", "change.effective"]
  }) {
    __typename
    ... on WebhookSubscriptionCreated {
      secret
      subscription { id url eventTypes }
    }
    ... on UnsafeUrl { message }
    ... on ValidationError { field message }
  }
}

mutation Ping($subscriptionId: ID!) {
  sendTestEvent(subscriptionId: $subscriptionId) {
    __typename
    ... on TestEventQueued {
      delivery { id eventType status }
    }
    ... on SubscriptionDisabled { message }
    ... on NotFound { message }
  }
}

query Deliveries($subscriptionId: ID!) {
  webhookDeliveries(
    subscriptionId: $subscriptionId
    first: 5
  ) {
    edges {
      node {
        id
        eventType
        status
        attempts { statusCode outcome error }
      }
    }
  }
}
""",
    '{"url": "https://hooks.example.com/subprocessors", "subscriptionId": "whs_..."}\n',
)

EXAMPLES = (CURRENT_LIST, CUSTOMER_NOTICES, WEBHOOK_SUBSCRIPTION)
