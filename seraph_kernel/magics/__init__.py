"""magics"""
