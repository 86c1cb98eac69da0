"""The demo's customers, their cards and addresses, and what each charge paid for."""

from __future__ import annotations

from datetime import datetime

from reporting.demo.catalogue import (
    _BRAND_CUM_WEIGHTS,
    _BRANDS,
    _CAMPAIGNS,
    _CHANNELS,
    _CUSTOMER_DESCRIPTIONS,
    _FIRST_NAMES,
    _FUNDING_CUM_WEIGHTS,
    _FUNDINGS,
    _LAST_NAMES,
    _LINK_RATE,
    _PLACES,
    _PLANS,
    _STATEMENT_DESCRIPTOR,
    _STRIPE_ORDERS_RATE,
    _Currency,
)
from reporting.demo.records import _NO_ADDRESS, Address, _Charge, _Customer
from reporting.demo.simulation import _Simulation


class _Customers(_Simulation):
    """Draw customers (a returning one, most of the time) and the details of what they buy."""

    def _customer(self, currency: _Currency) -> _Customer:
        known = self.customers[currency.code]
        if known and (self.rng.random() < 0.7 or len(known) >= 20_000):
            return self.rng.choice(known)
        first, last = self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES)
        country = self.rng.choice(currency.countries)
        card_address = self._address(country)
        customer = _Customer(
            id=self._id("cus_", 14),
            email=f"{first}.{last}{self.rng.randint(1, 999)}@example.com",
            name=f"{first.title()} {last.title()}",
            description=self._customer_description(),
            brand=self.rng.choices(_BRANDS, cum_weights=_BRAND_CUM_WEIGHTS)[0],
            funding=self.rng.choices(_FUNDINGS, cum_weights=_FUNDING_CUM_WEIGHTS)[0],
            country=country,
            card_address=card_address,
            address=card_address if self.rng.random() < 0.6 else _NO_ADDRESS,
            shipping=self._shipping(country, card_address),
            invoice_prefix=self.rng.randbytes(4).hex().upper(),
        )
        known.append(customer)
        return customer

    def _customer_description(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.7:
            return None
        return "" if roll < 0.75 else self.rng.choice(_CUSTOMER_DESCRIPTIONS)

    def _address(self, country: str) -> Address:
        place = self.rng.choice(_PLACES[country])
        number = self.rng.randint(1, 240)
        line1 = f"{number} {place.street}" if place.number_first else f"{place.street} {number}"
        # Most addresses have no second line: Stripe writes it as an empty string then.
        line2 = "" if self.rng.random() < 0.7 else f"Apt {self.rng.randint(1, 40)}"
        return (line1, line2, place.city, place.state, place.postal_code, country)

    def _shipping(self, country: str, billing: Address) -> Address:
        roll = self.rng.random()
        if roll < 0.5:
            return _NO_ADDRESS
        return billing if roll < 0.85 else self._address(country)

    def _description(self) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            self.order_number += 1
            return f"Order {self.order_number}"
        if roll < 0.75:
            return "Subscription update"
        if roll < 0.85:
            return "Subscription creation"
        return "Payment for Invoice"

    def _charge_details(self, when: datetime, customer: _Customer, description: str) -> _Charge:
        """Return the payment intent, invoice, descriptor and metadata of a charge, by what it paid for."""
        details = _Charge(
            id=self._id("ch_"),
            customer=customer,
            payment_intent_id=self._id("pi_"),
            created=when,
            description=description,
            is_link=self.rng.random() < _LINK_RATE,
            statement_descriptor=_STATEMENT_DESCRIPTOR,
        )
        if description.startswith("Order "):
            order = description.removeprefix("Order ")
            details.statement_descriptor = f"{_STATEMENT_DESCRIPTOR}* ORDER {order}"
            details.metadata = {"order_id": order, "channel": self.rng.choice(_CHANNELS)}
            if self.rng.random() < _STRIPE_ORDERS_RATE:
                details.order_id = self._id("order_")
            if self.rng.random() < 0.25:
                details.metadata["CAMPAIGN"] = self.rng.choice(_CAMPAIGNS)
            # Goods are shipped: to the customer's shipping address, else the billing one.
            if self.rng.random() < 0.8:
                details.shipping = customer.shipping if customer.shipping[0] else customer.card_address
            return details
        customer.invoices += 1
        details.invoice_id = self._id("in_")
        details.invoice_number = f"{customer.invoice_prefix}-{customer.invoices:04d}"
        if description.startswith("Subscription"):
            if customer.subscription_id is None:
                customer.subscription_id = self._id("sub_")
            details.subscription_id = customer.subscription_id
            details.statement_descriptor = f"{_STATEMENT_DESCRIPTOR}* SUBSCRIPTION"
            details.metadata = {"plan": self.rng.choice(_PLANS)}
        return details
